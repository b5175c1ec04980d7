"""Exchange clients (ccxt) for the live bot, paper trading and tests."""
