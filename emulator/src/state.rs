//! The emulator's shared state and the operations on it that both the library handle and the
//! admin endpoint offer (faults, log, world, clock, reset), so the two never disagree.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::auth::NonceCache;
use crate::catalog::Catalog;
use crate::clock::Clock;
use crate::commands::CommandResult;
use crate::faults::{ActiveFault, Fault, FaultId, FaultSet};
use crate::keys::KeyTable;
use crate::log::{LoggedRequest, RequestLog};
use crate::managed::{ManagedInstanceRegistration, RegistrationError};
use crate::world::{Instance, Timings, World};

/// What the emulator started with, restored by a reset.
#[derive(Debug, Clone)]
pub(crate) struct Seed {
    pub(crate) instances: Vec<Instance>,
    pub(crate) faults: Vec<Fault>,
    pub(crate) clock_offset_secs: i64,
    pub(crate) timings: Timings,
    /// Refuse actions without a model instead of answering their spec example.
    pub(crate) strict: bool,
}

/// Everything a request handler touches. Each piece has its own lock, held briefly and never
/// across an `.await`.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) catalog: Catalog,
    pub(crate) keys: KeyTable,
    pub(crate) clock: Clock,
    pub(crate) nonces: Mutex<NonceCache>,
    pub(crate) world: Mutex<World>,
    pub(crate) faults: Mutex<FaultSet>,
    pub(crate) log: Mutex<RequestLog>,
    /// Refuse actions without a model (`--strict`).
    pub(crate) strict: bool,
    seq: AtomicU64,
    seed: Seed,
}

/// Locks `mutex`, carrying on after a panic elsewhere (the state stays usable for tests).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    pub(crate) fn new(catalog: Catalog, keys: KeyTable, seed: Seed, log_capacity: usize) -> Self {
        let shared = Shared {
            catalog,
            keys,
            clock: Clock::new(seed.clock_offset_secs),
            nonces: Mutex::new(NonceCache::default()),
            world: Mutex::new(World::new(&seed.instances, seed.timings)),
            faults: Mutex::new(FaultSet::default()),
            log: Mutex::new(RequestLog::new(log_capacity)),
            strict: seed.strict,
            seq: AtomicU64::new(0),
            seed,
        };
        for fault in &shared.seed.faults {
            lock(&shared.faults).add(fault.clone());
        }
        shared
    }

    /// The next request sequence number, from 1.
    pub(crate) fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub(crate) fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.log).entries()
    }

    pub(crate) fn clear_requests(&self) {
        lock(&self.log).clear();
    }

    pub(crate) fn add_fault(&self, fault: Fault) -> FaultId {
        lock(&self.faults).add(fault)
    }

    pub(crate) fn remove_fault(&self, id: FaultId) -> bool {
        lock(&self.faults).remove(id)
    }

    pub(crate) fn clear_faults(&self) {
        lock(&self.faults).clear();
    }

    pub(crate) fn faults(&self) -> Vec<ActiveFault> {
        lock(&self.faults).list()
    }

    pub(crate) fn instances(&self) -> Vec<Instance> {
        lock(&self.world).snapshot()
    }

    pub(crate) fn instance(&self, id: &str) -> Option<Instance> {
        lock(&self.world).get(id).map(|t| t.instance.clone())
    }

    pub(crate) fn upsert_instance(&self, instance: Instance) {
        lock(&self.world).upsert(instance);
    }

    pub(crate) fn remove_instance(&self, id: &str) -> bool {
        crate::behaviour::remove_instance(&mut lock(&self.world), id, self.clock.now())
    }

    /// Sets (or with `None` clears) what command runs report for instance `id`; `false` if
    /// there is no such instance. Invocations already made keep their results.
    pub(crate) fn set_command_result(&self, id: &str, result: Option<CommandResult>) -> bool {
        match lock(&self.world).get_mut(id) {
            Some(tracked) => {
                tracked.instance.command_result = result;
                true
            }
            None => false,
        }
    }

    /// Registers a server with an activation, as its agent would; the managed instance's id.
    pub(crate) fn register_managed_instance(
        &self,
        registration: &ManagedInstanceRegistration,
    ) -> Result<String, RegistrationError> {
        crate::behaviour::register_managed_instance(
            &mut lock(&self.world),
            self.clock.now(),
            registration,
        )
    }

    /// Back to the start-up state: seeded world, start-up faults (counters reset), start-up
    /// clock offset, no remembered nonces, empty log.
    pub(crate) fn reset(&self) {
        *lock(&self.world) = World::new(&self.seed.instances, self.seed.timings);
        {
            let mut faults = lock(&self.faults);
            *faults = FaultSet::default();
            for fault in &self.seed.faults {
                faults.add(fault.clone());
            }
        }
        self.clock.set_offset_secs(self.seed.clock_offset_secs);
        lock(&self.nonces).clear();
        lock(&self.log).clear();
    }
}
