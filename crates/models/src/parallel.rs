//! Independent jobs on a given number of threads, results collected in order: the one
//! parallel helper of the workspace (the gradient engines' row blocks, evaluation, and
//! Question 2's independent runs all use it). The thread count is always an argument: a
//! result never depends on it, since work is split into fixed jobs combined in job order.

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

/// `f` of every item on up to `threads` threads (contiguous shares, as [`runs`] cuts them),
/// results in item order. Each call of `f` must be independent of the others; then the
/// results do not depend on `threads`.
pub fn map_in_parallel<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let plan = runs(items.len(), threads);
    let shares: Vec<&[T]> = plan
        .iter()
        .map(|&(first, count)| &items[first..first + count])
        .collect();
    let mut workers = vec![(); shares.len()];
    in_parallel(&mut workers, shares, |_, share| {
        share.iter().map(&f).collect::<Vec<R>>()
    })
    .into_iter()
    .flatten()
    .collect()
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
                map_in_parallel(&items, threads, |x| x * x + 1),
                want,
                "{threads}"
            );
        }
        assert!(map_in_parallel(&[] as &[u64], 2, |x| *x).is_empty());
    }
}
