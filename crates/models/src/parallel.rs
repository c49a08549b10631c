//! Independent jobs on a given number of threads, results collected in order: the one
//! parallel helper of the workspace (the gradient engines' row blocks, evaluation, and
//! Question 2's independent runs all use it). The thread count is always an argument: a
//! result never depends on it, since work is split into fixed jobs combined in job order.

use std::sync::Mutex;

/// The thread count used when the caller names none: the available cores capped at 2 (the
/// networks of this study are too small to feed more).
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(2))
}

/// Splits `0..n_blocks` into at most `threads` contiguous runs `(first, count)` of
/// near-equal length.
pub fn runs(n_blocks: usize, threads: usize) -> Vec<(usize, usize)> {
    let t = threads.clamp(1, n_blocks.max(1));
    (0..t)
        .map(|i| (i * n_blocks / t, (i + 1) * n_blocks / t - i * n_blocks / t))
        .collect()
}

/// Runs `job(worker, item)` for each pair of `workers` and `items`: the first on this
/// thread, the others on scoped threads. Returns the results in item order.
pub fn in_parallel<W: Send, I: Send, R: Send>(
    workers: &mut [W],
    items: Vec<I>,
    job: impl Fn(&mut W, I) -> R + Sync,
) -> Vec<R> {
    let job = &job;
    let mut pairs = workers.iter_mut().zip(items);
    let Some((w0, i0)) = pairs.next() else {
        return Vec::new();
    };
    std::thread::scope(|scope| {
        let handles: Vec<_> = pairs.map(|(w, i)| scope.spawn(move || job(w, i))).collect();
        let mut out = Vec::with_capacity(handles.len() + 1);
        out.push(job(w0, i0));
        out.extend(
            handles
                .into_iter()
                .map(|h| h.join().expect("worker thread")),
        );
        out
    })
}

/// `f` of every item on up to `threads` threads, results in item order. The threads take
/// items one at a time from a shared queue, so that one slow item does not leave a thread
/// idle behind a fixed share. Each call of `f` must be independent of the others; then the
/// results do not depend on `threads` nor on which thread ran which item.
pub fn map_in_parallel<I, R>(items: I, threads: usize, f: impl Fn(I::Item) -> R + Sync) -> Vec<R>
where
    I: ExactSizeIterator + Send,
    I::Item: Send,
    R: Send,
{
    let n = items.len();
    let workers = threads.clamp(1, n.max(1));
    let queue = Mutex::new(items.enumerate());
    let work = || {
        let mut done = Vec::new();
        loop {
            let next = queue.lock().expect("the queue never panics").next();
            let Some((i, item)) = next else { break };
            done.push((i, f(item)));
        }
        done
    };
    let mut shares = vec![(); workers];
    let mut results: Vec<(usize, R)> = in_parallel(&mut shares, vec![(); workers], |_, _| work())
        .into_iter()
        .flatten()
        .collect();
    results.sort_unstable_by_key(|&(i, _)| i);
    results.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_cover_every_block_once_in_order() {
        for (n_blocks, threads) in [(130, 2), (1, 2), (5, 3), (7, 1), (2, 8)] {
            let plan = runs(n_blocks, threads);
            assert!(plan.len() <= threads.max(1));
            let mut next = 0;
            for &(first, count) in &plan {
                assert_eq!(first, next);
                next += count;
            }
            assert_eq!(next, n_blocks);
        }
    }

    #[test]
    fn map_in_parallel_keeps_item_order_for_any_thread_count() {
        let items: Vec<u64> = (0..37).collect();
        let want: Vec<u64> = items.iter().map(|x| x * x + 1).collect();
        for threads in [1, 2, 3, 8, 64] {
            assert_eq!(
                map_in_parallel(items.iter(), threads, |x| x * x + 1),
                want,
                "{threads}"
            );
        }
        assert!(map_in_parallel([0u64; 0].iter(), 2, |x| *x).is_empty());
    }
}
