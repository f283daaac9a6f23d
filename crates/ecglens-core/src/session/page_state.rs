//! `body[data-state]`: what the page is doing, for people (the cursor, the buttons) and for automation.

/// The page's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageState {
    /// The worker is not ready yet, or the first record is on its way.
    Loading,
    /// Nothing pending, and what is shown is drawn.
    Ready,
    /// Jobs pending, or what is shown is not drawn yet.
    Busy,
    /// A fatal error (shown in `#fatal`).
    Error,
}

impl PageState {
    /// From the page's state: a fatal error, whether the model is ready, jobs `pending`, the version of what is
    /// shown (None: nothing yet) and of what was last drawn.
    pub fn of(fatal: bool, model_ready: bool, pending: usize, shown_version: Option<u64>, drawn_version: u64) -> Self {
        if fatal {
            return PageState::Error;
        }
        if !model_ready {
            return PageState::Loading;
        }
        match shown_version {
            None if pending > 0 => PageState::Loading,
            Some(version) if version != drawn_version => PageState::Busy,
            _ if pending > 0 => PageState::Busy,
            _ => PageState::Ready,
        }
    }

    /// `loading` / `ready` / `busy` / `error`.
    pub fn key(self) -> &'static str {
        match self {
            PageState::Loading => "loading",
            PageState::Ready => "ready",
            PageState::Busy => "busy",
            PageState::Error => "error",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states() {
        assert_eq!(PageState::of(true, true, 0, Some(3), 3), PageState::Error, "a fatal error wins");
        assert_eq!(PageState::of(false, false, 0, None, 0), PageState::Loading);
        assert_eq!(PageState::of(false, true, 1, None, 0), PageState::Loading, "the first example is on its way");
        assert_eq!(PageState::of(false, true, 0, None, 0), PageState::Ready, "no examples, nothing pending");
        assert_eq!(PageState::of(false, true, 0, Some(3), 2), PageState::Busy, "shown but not drawn yet");
        assert_eq!(PageState::of(false, true, 2, Some(3), 3), PageState::Busy);
        assert_eq!(PageState::of(false, true, 0, Some(3), 3), PageState::Ready);
        let keys: Vec<&str> =
            [PageState::Loading, PageState::Ready, PageState::Busy, PageState::Error].map(PageState::key).to_vec();
        assert_eq!(keys, ["loading", "ready", "busy", "error"]);
    }
}
