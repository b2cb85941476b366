//! Linux personality: the riscv64 syscall ABI mapped onto grants and service calls.
