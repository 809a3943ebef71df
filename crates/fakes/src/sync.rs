//! A mutex that a panic cannot poison: the fakes' shared state stays usable
//! whatever one request did.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// A `std::sync::Mutex` whose `lock` never fails: if a holder panicked, the
/// next one takes the state as it was left and clears the poison. Handlers
/// are written so that they cannot panic (checked arithmetic, every number
/// from a request bounded); this is the second line of defence.
#[derive(Debug, Default)]
pub(crate) struct Lock<T>(Mutex<T>);

impl<T> Lock<T> {
    pub(crate) fn new(value: T) -> Self {
        Lock(Mutex::new(value))
    }

    /// The guard, even after a panic in another holder.
    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        self.0.lock().unwrap_or_else(|poisoned: PoisonError<_>| {
            self.0.clear_poison();
            poisoned.into_inner()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Lock;

    #[test]
    fn a_panic_while_locked_does_not_poison() {
        let lock = std::sync::Arc::new(Lock::new(1));
        let held = lock.clone();
        let panicked = std::thread::spawn(move || {
            let mut guard = held.lock();
            *guard = 2;
            panic!("a handler bug");
        })
        .join();
        assert!(panicked.is_err());
        assert_eq!(*lock.lock(), 2, "the state is there, as the holder left it");
        *lock.lock() = 3;
        assert_eq!(*lock.lock(), 3, "and usable again");
    }
}
