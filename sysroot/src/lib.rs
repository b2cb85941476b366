//! The native ABI as data, mirrored into the C sysroot headers.
