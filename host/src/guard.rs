//! What keeps a guest the host does not trust within bounds: a cap on its
//! linear memory, a cap on the instances alive at once, and a limit on how
//! long it may compute without waiting.
//!
//! The engine's epoch advances every [`TICK`] (a thread per engine). A
//! guest that is computing when the epoch moves yields its thread to the
//! other tasks (the host calls guests asynchronously), so a guest stuck in
//! a loop slows the others down but cannot hold a worker thread; and after
//! [`GuestLimits::busy`] of computing without calling the host (to wait,
//! read, write, or anything else), it is stopped with a trap. A guest that
//! loops while calling the host is not stopped, but yields like any other:
//! it gets its share of the threads, no more.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use wasmtime::{CallHook, Engine, StoreContextMut, StoreLimits, StoreLimitsBuilder, UpdateDeadline};

/// How often the epoch advances: how often a computing guest yields, and
/// the unit [`GuestLimits::busy`] is counted in.
pub const TICK: Duration = Duration::from_millis(10);

/// What the host grants each guest it runs.
///
/// | field | default | what it bounds |
/// |---|---|---|
/// | `memory_bytes` | 128 MiB | one instance's linear memories together |
/// | `instances` | 10 000 | instances alive at once across a [`Runtime`](crate::Runtime) and its clones |
/// | `busy` | 5 s | computing without calling the host, counted in ticks of [`TICK`] |
///
/// The memory default leaves room for the engine's own defaults: a
/// 16 MiB message, its echo queued for sending, and the compression
/// buffers. Lower it with the engine's limits (`ServerOptions.limits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuestLimits {
    /// The most linear memory one instance may grow to, in bytes: past
    /// it, `memory.grow` fails, and the guest's allocator with it.
    pub memory_bytes: usize,
    /// The most instances alive at once: one more fails to instantiate
    /// (the echo server then drops that connection).
    pub instances: usize,
    /// The longest a guest may compute without calling the host before it
    /// is stopped.
    pub busy: Duration,
}

impl Default for GuestLimits {
    fn default() -> Self {
        GuestLimits {
            memory_bytes: 128 * 1024 * 1024,
            instances: 10_000,
            busy: Duration::from_secs(5),
        }
    }
}

/// Advances `engine`'s epoch every [`TICK`] on a thread of its own, until
/// the engine is dropped.
pub(crate) fn start_ticking(engine: &Engine) -> std::io::Result<()> {
    let engine = engine.weak();
    std::thread::Builder::new()
        .name("wasmtime-epoch".into())
        .spawn(move || loop {
            std::thread::sleep(TICK);
            match engine.upgrade() {
                Some(engine) => engine.increment_epoch(),
                None => return,
            }
        })?;
    Ok(())
}

/// The limits and the instance slots that a runtime's clones share.
#[derive(Clone)]
pub(crate) struct Guards {
    limits: GuestLimits,
    slots: Arc<Semaphore>,
}

impl Guards {
    pub(crate) fn new(limits: GuestLimits) -> Guards {
        Guards {
            limits,
            slots: Arc::new(Semaphore::new(limits.instances.min(Semaphore::MAX_PERMITS))),
        }
    }

    /// One store's guard, holding an instance slot until the store is
    /// dropped; an error when every slot is taken.
    pub(crate) fn guard(&self) -> wasmtime::Result<Guard> {
        let slot = self.slots.clone().try_acquire_owned().map_err(|_| {
            wasmtime::Error::msg(format!(
                "the host runs {} instances already, its limit",
                self.limits.instances
            ))
        })?;
        Ok(Guard {
            memory: StoreLimitsBuilder::new()
                .memory_size(self.limits.memory_bytes)
                .build(),
            busy_ticks: 0,
            max_busy_ticks: self.limits.busy.as_millis().div_ceil(TICK.as_millis()) as u64,
            busy: self.limits.busy,
            ticking: false,
            _slot: slot,
        })
    }
}

/// One store's share of the limits.
pub(crate) struct Guard {
    pub(crate) memory: StoreLimits,
    /// Ticks the guest was seen computing since it last called the host.
    busy_ticks: u64,
    max_busy_ticks: u64,
    busy: Duration,
    /// Set by the epoch callback, which wasmtime runs as a call to the
    /// host: its return is not the guest's.
    ticking: bool,
    _slot: OwnedSemaphorePermit,
}

impl Guard {
    /// The store's call hook: the guest starts computing afresh when the
    /// host calls it and when a call to the host returns.
    pub(crate) fn on_call(&mut self, hook: CallHook) {
        if matches!(hook, CallHook::ReturningFromHost) && std::mem::take(&mut self.ticking) {
            return;
        }
        if hook.exiting_host() {
            self.busy_ticks = 0;
        }
    }

    /// The store's epoch callback: yield, or stop a guest busy too long.
    pub(crate) fn on_tick(&mut self) -> wasmtime::Result<UpdateDeadline> {
        self.ticking = true;
        self.busy_ticks += 1;
        if self.busy_ticks > self.max_busy_ticks {
            return Err(wasmtime::Error::msg(format!(
                "the guest computed for over {} ms without calling the host, its limit: stopped",
                self.busy.as_millis()
            )));
        }
        // tokio's own yield lets the runtime poll its I/O and timers
        // before the guest runs again (a plain wake-up would put it first
        // in line, ahead of them).
        Ok(UpdateDeadline::YieldCustom(1, Box::pin(tokio::task::yield_now())))
    }
}

/// Puts `guard` in charge of `store`, whose data gives it back through
/// `get`.
pub(crate) fn install<T: 'static>(store: &mut wasmtime::Store<T>, get: fn(&mut T) -> &mut Guard) {
    store.limiter(move |data| &mut get(data).memory);
    store.call_hook(move |mut cx: StoreContextMut<'_, T>, hook| {
        get(cx.data_mut()).on_call(hook);
        Ok(())
    });
    store.epoch_deadline_callback(move |mut cx| get(cx.data_mut()).on_tick());
    store.set_epoch_deadline(1);
}
