//! TWEL entry gate (§8.1): caps the total exposure new entries of one side can add.
