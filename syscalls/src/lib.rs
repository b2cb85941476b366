//! Service spaces of the Linux personality: one module per subsystem.
