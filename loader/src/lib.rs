//! ELF loader: places static riscv64 executables into CODE and DATA spaces.
