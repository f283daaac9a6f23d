//! The page's session without the page: the jobs it sends to the worker, the rows of the batch table and the texts
//! it shows. All of it is pure, so it is tested natively; `ecglens-web` keeps it in its state and draws it.
//!
//! * [`queue`] — the job queue: ids, what runs next, cancellation.
//! * [`rows`] — the batch table's rows (record, status, prediction, mean entropy, disagreement) and the progress.
//! * [`sort`] — sorting the rows, and the cap on how many are rendered.
//! * [`summary`] — the summary line, the predictions table, the annotations note, the model line.
//! * [`ask`] — the form on a row whose file does not say its rate, leads or units.
//! * [`device`] — the "From the file" panel: the device's measurements and statements, the patient toggle.
//! * [`notice`] — the notices shown above the gallery.
//! * [`page_state`] — `body[data-state]`, the page's state for people and for automation.
//! * [`offline`] — the footer's line about the offline copy (`body[data-offline]`).

pub mod ask;
pub mod device;
pub mod notice;
pub mod offline;
pub mod page_state;
pub mod queue;
pub mod rows;
pub mod sort;
pub mod summary;

#[cfg(test)]
pub(crate) mod fixtures;

pub use offline::OfflineStatus;
pub use page_state::PageState;
pub use queue::{Job, JobQueue, Target};
pub use rows::{Progress, Row, RowStatus, RowSummary};
pub use sort::{Sort, SortKey, MAX_ROWS_SHOWN};
