//! A small fixed pool of threads for password hashing.
//!
//! Hashing takes tens of milliseconds and megabytes of memory, so it never runs on the tasks
//! that serve connections. tokio's blocking pool would do, but it grows to hundreds of
//! threads and each keeps its allocator arena; a fixed pool bounds both the CPU taken by
//! hashing (one thread per core by default) and the memory it holds. The queue in front of
//! it is bounded too, so a flood of binds waits rather than piling up work.

use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{mpsc, oneshot};

type Job = Box<dyn FnOnce() + Send>;

/// The pool.
#[derive(Debug)]
pub struct HashPool {
    tx: mpsc::Sender<Job>,
}

impl HashPool {
    /// Starts `workers` threads (at least one) behind a queue of `queue` jobs.
    pub fn new(workers: usize, queue: usize) -> std::io::Result<HashPool> {
        let (tx, rx) = mpsc::channel::<Job>(queue.max(1));
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..workers.max(1) {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("orgdir-hash-{i}"))
                .spawn(move || {
                    loop {
                        // One worker waits on the queue at a time; the others wait for the
                        // lock. The lock is released before the job runs.
                        let job = rx
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .blocking_recv();
                        match job {
                            Some(job) => job(),
                            None => return,
                        }
                    }
                })?;
        }
        Ok(HashPool { tx })
    }

    /// Runs `f` on the pool and waits for its result; `None` if the pool is gone.
    pub async fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce() -> R + Send + 'static,
    ) -> Option<R> {
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(f());
        });
        self.tx.send(job).await.ok()?;
        result.await.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_jobs_on_its_threads() {
        let pool = HashPool::new(2, 4).unwrap();
        let names: Vec<String> = futures::future::join_all((0..8).map(|_| {
            pool.run(|| {
                std::thread::current()
                    .name()
                    .unwrap_or_default()
                    .to_string()
            })
        }))
        .await
        .into_iter()
        .flatten()
        .collect();
        assert_eq!(names.len(), 8);
        assert!(names.iter().all(|n| n.starts_with("orgdir-hash-")));
    }
}
