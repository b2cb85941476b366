//! User pointers: an address a caller alleges holds a `T`, usable only through the
//! checked accessors of the memory it is read with (the service's own `Env`).

use std::marker::PhantomData;
use zerocopy::{FromBytes, Immutable, IntoBytes};

/// Memory a service reads and writes as itself (its `Env`): every access checked.
pub trait UserMemory {
    /// What a refused access is (a fault of the service's space).
    type Error;
    fn read_bytes(&mut self, ptr: u64, buf: &mut [u8]) -> Result<(), Self::Error>;
    fn write_bytes(&mut self, ptr: u64, buf: &[u8]) -> Result<(), Self::Error>;
}

/// A (qualified) pointer to a `T` in a process's memory.
pub struct UserPtr<T> {
    addr: u64,
    _of: PhantomData<fn() -> T>,
}

impl<T> Clone for UserPtr<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for UserPtr<T> {}

impl<T> std::fmt::Debug for UserPtr<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "UserPtr({:#x})", self.addr)
    }
}

impl<T: FromBytes + IntoBytes + Immutable> UserPtr<T> {
    /// The pointer in an argument register.
    pub fn new(addr: u64) -> UserPtr<T> {
        UserPtr { addr, _of: PhantomData }
    }

    pub fn addr(self) -> u64 {
        self.addr
    }

    pub fn is_null(self) -> bool {
        self.addr == 0
    }

    /// The `T` there, read through `mem`.
    pub fn read<M: UserMemory + ?Sized>(self, mem: &mut M) -> Result<T, M::Error> {
        let mut v = T::new_zeroed();
        mem.read_bytes(self.addr, v.as_mut_bytes())?;
        Ok(v)
    }

    /// Stores `v` there, through `mem`.
    pub fn write<M: UserMemory + ?Sized>(self, mem: &mut M, v: &T) -> Result<(), M::Error> {
        mem.write_bytes(self.addr, v.as_bytes())
    }

    /// Stores `v` there unless the pointer is NULL (an optional out parameter).
    pub fn write_opt<M: UserMemory + ?Sized>(self, mem: &mut M, v: &T) -> Result<(), M::Error> {
        if self.is_null() { Ok(()) } else { self.write(mem, v) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::structs::Timespec;
    use std::collections::BTreeMap;

    #[derive(Default)]
    struct Bytes(BTreeMap<u64, u8>);

    impl UserMemory for Bytes {
        type Error = u64;
        fn read_bytes(&mut self, ptr: u64, buf: &mut [u8]) -> Result<(), u64> {
            for (i, b) in buf.iter_mut().enumerate() {
                *b = *self.0.get(&(ptr + i as u64)).ok_or(ptr + i as u64)?;
            }
            Ok(())
        }
        fn write_bytes(&mut self, ptr: u64, buf: &[u8]) -> Result<(), u64> {
            for (i, b) in buf.iter().enumerate() {
                self.0.insert(ptr + i as u64, *b);
            }
            Ok(())
        }
    }

    #[test]
    fn typed_reads_and_writes_are_little_endian_bytes() {
        let mut m = Bytes::default();
        let p = UserPtr::<Timespec>::new(0x1000);
        p.write(&mut m, &Timespec { sec: 3, nsec: 500 }).unwrap();
        assert_eq!(m.0.get(&0x1000), Some(&3));
        assert_eq!(m.0.get(&0x1008), Some(&0xf4));
        assert_eq!(m.0.get(&0x1009), Some(&1));
        assert_eq!(p.read(&mut m).unwrap(), Timespec { sec: 3, nsec: 500 });
        assert_eq!(UserPtr::<Timespec>::new(0x2000).read(&mut m), Err(0x2000));
        UserPtr::<Timespec>::new(0).write_opt(&mut m, &Timespec::default()).unwrap();
    }
}
