//! Work that may use every core: with the `parallel` feature (the CLI and
//! the server, through rayon), in order on one otherwise (the browser and
//! the recorder's wasm). Results never depend on it: items are worked on
//! independently and come back in their order.

/// `f` of every item, in the items' order.
pub(crate) fn map<T, U, F>(items: &[T], f: F) -> Vec<U>
where
    T: Sync,
    U: Send,
    F: Fn(&T) -> U + Sync + Send,
{
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        items.par_iter().map(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        items.iter().map(f).collect()
    }
}

/// Both results; `a` and `b` may run at the same time.
pub(crate) fn join<A, B, FA, FB>(a: FA, b: FB) -> (A, B)
where
    A: Send,
    B: Send,
    FA: FnOnce() -> A + Send,
    FB: FnOnce() -> B + Send,
{
    #[cfg(feature = "parallel")]
    {
        rayon::join(a, b)
    }
    #[cfg(not(feature = "parallel"))]
    {
        (a(), b())
    }
}

/// How many pieces of work are worth gathering before handing them out:
/// a few per core.
pub(crate) fn batch() -> usize {
    #[cfg(feature = "parallel")]
    {
        (2 * rayon::current_num_threads()).clamp(1, 8)
    }
    #[cfg(not(feature = "parallel"))]
    {
        1
    }
}
