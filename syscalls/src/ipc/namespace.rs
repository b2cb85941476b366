//! The ipc namespace: the object tables one ipc service instance holds.

use super::mq::MessageQueues;
use super::msg::MsgQueues;
use super::sem::Semaphores;
use super::shm::SharedMemory;

/// The ipc service (one ipc namespace).
#[derive(Default)]
pub struct Ipc {
    pub msg: MsgQueues,
    pub sem: Semaphores,
    /// Segments; their frames are mm's (the handle says only "mm has frames").
    pub shm: SharedMemory<()>,
    pub mq: MessageQueues,
}
