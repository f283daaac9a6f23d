//! Sorting the batch table, and the cap on how many rows it renders: a folder of thousands of records stays
//! responsive, and sorting by mean entropy or disagreement brings the records to review first to the top.
//!
//! Sorting is stable in ascending order; descending is the ascending order reversed, ties included.

use std::cmp::Ordering;

use super::rows::Row;

/// The batch table renders at most this many rows (sorted); the rest are counted ([`rows_hidden_text`]).
pub const MAX_ROWS_SHOWN: usize = 500;

/// A column to sort by (`Order`: as the records were given).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Order,
    Name,
    Prediction,
    Entropy,
    Disagreement,
    Status,
}

/// The table's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sort {
    pub key: SortKey,
    pub descending: bool,
}

impl Sort {
    /// After a click on column `key`: the same column flips; another one starts descending for mean entropy and
    /// disagreement (the records to review first on top), ascending for the rest.
    pub fn clicked(self, key: SortKey) -> Sort {
        if self.key == key {
            Sort { key, descending: !self.descending }
        } else {
            Sort { key, descending: matches!(key, SortKey::Entropy | SortKey::Disagreement) }
        }
    }

    /// The arrow after column `key`'s label: ` ▼` / ` ▲` on the sorted column, nothing on the others.
    pub fn arrow(self, key: SortKey) -> &'static str {
        match (self.key == key, self.descending) {
            (false, _) => "",
            (true, true) => " ▼",
            (true, false) => " ▲",
        }
    }
}

/// The rows to render, in `sort` order (mean entropy of layer `layer`), at most [`MAX_ROWS_SHOWN`] of them. Rows
/// without a value for the key (not done yet, no atlas) sort below every row with one.
pub fn shown_rows(rows: &[Row], sort: Sort, layer: usize) -> Vec<Row> {
    let entropy = |r: &Row| r.summary.as_ref().and_then(|s| s.entropy(layer)).unwrap_or(f32::NEG_INFINITY);
    let disagreement = |r: &Row| r.summary.as_ref().and_then(|s| s.disagreement).unwrap_or(f32::NEG_INFINITY);
    let ascending = |a: &&Row, b: &&Row| -> Ordering {
        match sort.key {
            SortKey::Order => a.id.cmp(&b.id),
            SortKey::Name => a.name.cmp(&b.name),
            SortKey::Prediction => a.prediction().cmp(b.prediction()),
            SortKey::Entropy => entropy(a).total_cmp(&entropy(b)),
            SortKey::Disagreement => disagreement(a).total_cmp(&disagreement(b)),
            SortKey::Status => a.status.key().cmp(b.status.key()),
        }
    };
    let mut sorted: Vec<&Row> = rows.iter().collect();
    sorted.sort_by(ascending);
    if sort.descending {
        sorted.reverse();
    }
    sorted.into_iter().take(MAX_ROWS_SHOWN).cloned().collect()
}

/// `data-testid=rows-hidden`: how many rows are not rendered, empty when all are.
pub fn rows_hidden_text(n_rows: usize) -> String {
    if n_rows > MAX_ROWS_SHOWN {
        format!(
            "Showing {MAX_ROWS_SHOWN} of {n_rows} records: sort by mean entropy or disagreement to bring the ones to review first to the top."
        )
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::session::rows::{RowStatus, RowSummary};

    fn done(id: u64, name: &str, prediction: &str, entropy: f32, disagreement: f32) -> Row {
        let summary = RowSummary {
            prediction: prediction.into(),
            mean_entropy: vec![entropy, 1.0 - entropy],
            disagreement: Some(disagreement),
            notes: String::new(),
        };
        Row { status: RowStatus::Done, summary: Some(Arc::new(summary)), ..Row::queued(id, name) }
    }

    fn names(rows: &[Row]) -> Vec<&str> {
        rows.iter().map(|r| r.name.as_str()).collect()
    }

    fn by(key: SortKey, descending: bool) -> Sort {
        Sort { key, descending }
    }

    fn table() -> Vec<Row> {
        vec![
            done(3, "c", "NORM", 0.3, 0.0),
            done(1, "a", "MI", 0.5, 0.25),
            Row::failed(2, "b.dat", "no header".into()),
            done(4, "d", "NORM", 0.1, 0.5),
            Row::queued(5, "e"),
        ]
    }

    #[test]
    fn each_key_orders_by_its_column() {
        let rows = table();
        assert_eq!(names(&shown_rows(&rows, Sort::default(), 0)), ["a", "b.dat", "c", "d", "e"]);
        assert_eq!(names(&shown_rows(&rows, by(SortKey::Name, true), 0)), ["e", "d", "c", "b.dat", "a"]);
        assert_eq!(names(&shown_rows(&rows, by(SortKey::Prediction, false), 0)), ["b.dat", "e", "a", "c", "d"]);
        assert_eq!(names(&shown_rows(&rows, by(SortKey::Entropy, true), 0)), ["a", "c", "d", "e", "b.dat"]);
        assert_eq!(names(&shown_rows(&rows, by(SortKey::Disagreement, true), 0)), ["d", "a", "c", "e", "b.dat"]);
        assert_eq!(names(&shown_rows(&rows, by(SortKey::Status, false), 0)), ["c", "a", "d", "b.dat", "e"]);
    }

    #[test]
    fn entropy_is_the_chosen_layers() {
        let rows = table();
        // Layer 1 holds 1 − layer 0's entropy: the order turns round.
        assert_eq!(names(&shown_rows(&rows, by(SortKey::Entropy, true), 1)), ["d", "c", "a", "e", "b.dat"]);
        assert_eq!(shown_rows(&rows, by(SortKey::Entropy, true), 5), shown_rows(&rows, by(SortKey::Entropy, true), 1));
    }

    #[test]
    fn ties_keep_their_order_ascending_and_turn_round_descending() {
        let rows = vec![done(1, "x", "NORM", 0.2, 0.1), done(2, "y", "NORM", 0.2, 0.1), done(3, "z", "MI", 0.2, 0.1)];
        assert_eq!(names(&shown_rows(&rows, by(SortKey::Prediction, false), 0)), ["z", "x", "y"]);
        assert_eq!(names(&shown_rows(&rows, by(SortKey::Prediction, true), 0)), ["y", "x", "z"]);
        assert_eq!(names(&shown_rows(&rows, by(SortKey::Entropy, false), 0)), ["x", "y", "z"]);
        assert_eq!(names(&shown_rows(&rows, by(SortKey::Entropy, true), 0)), ["z", "y", "x"]);
    }

    #[test]
    fn at_most_five_hundred_rows_are_rendered_and_the_rest_counted() {
        let rows: Vec<Row> = (0..1200).map(|i| done(i, &format!("r{i:04}"), "NORM", i as f32 / 1200.0, 0.0)).collect();
        let shown = shown_rows(&rows, by(SortKey::Entropy, true), 0);
        assert_eq!(shown.len(), MAX_ROWS_SHOWN);
        assert_eq!((shown[0].name.as_str(), shown[499].name.as_str()), ("r1199", "r0700"));
        assert_eq!(
            rows_hidden_text(rows.len()),
            "Showing 500 of 1200 records: sort by mean entropy or disagreement to bring the ones to review first to the top."
        );
        assert_eq!(shown_rows(&rows[..MAX_ROWS_SHOWN], Sort::default(), 0).len(), MAX_ROWS_SHOWN);
        assert_eq!(rows_hidden_text(MAX_ROWS_SHOWN), "");
        assert_eq!(rows_hidden_text(0), "");
    }

    #[test]
    fn clicking_a_column() {
        let sort = Sort::default();
        assert_eq!(sort.clicked(SortKey::Entropy), by(SortKey::Entropy, true));
        assert_eq!(sort.clicked(SortKey::Disagreement), by(SortKey::Disagreement, true));
        assert_eq!(sort.clicked(SortKey::Name), by(SortKey::Name, false));
        assert_eq!(sort.clicked(SortKey::Name).clicked(SortKey::Name), by(SortKey::Name, true));
        assert_eq!(sort.clicked(SortKey::Entropy).clicked(SortKey::Entropy), by(SortKey::Entropy, false));
        let sorted = by(SortKey::Status, true);
        assert_eq!((sorted.arrow(SortKey::Status), sorted.arrow(SortKey::Name)), (" ▼", ""));
        assert_eq!(by(SortKey::Status, false).arrow(SortKey::Status), " ▲");
    }
}
