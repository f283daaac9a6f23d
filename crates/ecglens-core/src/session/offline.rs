//! Whether the site is stored for offline use: the footer's line (`data-testid=offline`) and `body[data-offline]`.
//! The page's `offline` module registers the service worker and sets it.

/// The offline copy of the site.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum OfflineStatus {
    /// The service worker is being registered or is storing the site's files.
    #[default]
    Pending,
    /// Every file is stored: the site opens without a network.
    Ready,
    /// A newer build of the site is stored and waits for this tab.
    UpdateReady,
    /// No offline copy, and why.
    Unavailable(String),
}

impl OfflineStatus {
    /// `body[data-offline]`: `pending` / `ready` / `update` / `unavailable`.
    pub fn key(&self) -> &'static str {
        match self {
            OfflineStatus::Pending => "pending",
            OfflineStatus::Ready => "ready",
            OfflineStatus::UpdateReady => "update",
            OfflineStatus::Unavailable(_) => "unavailable",
        }
    }

    /// The footer's words.
    pub fn label(&self) -> String {
        match self {
            OfflineStatus::Pending => "storing a copy for offline use…".into(),
            OfflineStatus::Ready => "works offline".into(),
            OfflineStatus::UpdateReady => "works offline · a new version is ready".into(),
            OfflineStatus::Unavailable(why) => format!("not stored for offline use ({why})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_labels() {
        let all = [
            (OfflineStatus::Pending, "pending", "storing a copy for offline use…"),
            (OfflineStatus::Ready, "ready", "works offline"),
            (OfflineStatus::UpdateReady, "update", "works offline · a new version is ready"),
            (
                OfflineStatus::Unavailable("no service workers".into()),
                "unavailable",
                "not stored for offline use (no service workers)",
            ),
        ];
        for (status, key, label) in all {
            assert_eq!((status.key(), status.label().as_str()), (key, label));
        }
    }
}
