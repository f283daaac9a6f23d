//! Turning the files a user chose or dropped, whole folders included, into WFDB records to explain.
//!
//! Pure: it sees names, folders, sizes and the signal file names each header lists. The web layer reads the
//! files. A header is paired with the files its signal lines name, looked up in its own folder. Loose files (chosen
//! or dropped one by one) are looked up anywhere in the same drop. A file nobody uses gets a reason, except
//! unrelated files found inside a folder (notes, annotations, CSVs), which are only counted.

use crate::signal::limits::{MAX_FILE_BYTES, MAX_HEADER_BYTES};
use crate::signal::wfdb;

/// One file as the user gave it.
#[derive(Debug, Clone, PartialEq)]
pub struct PickedFile {
    /// The folder it was found in, relative to what was dropped or chosen (`""` for a loose file).
    pub dir: String,
    pub name: String,
    pub size_bytes: u64,
    /// Found by walking a dropped or chosen folder (rather than picked on its own).
    pub in_folder: bool,
}

impl PickedFile {
    pub fn loose(name: &str, size_bytes: u64) -> Self {
        PickedFile { dir: String::new(), name: name.to_string(), size_bytes, in_folder: false }
    }

    /// From a path relative to the dropped or chosen folder, e.g. `records500/00000/00001_hr.hea`.
    pub fn in_folder(relative_path: &str, size_bytes: u64) -> Self {
        let path = relative_path.trim_start_matches('/');
        let (dir, name) = match path.rsplit_once('/') {
            Some((dir, name)) => (dir.to_string(), name.to_string()),
            None => (String::new(), path.to_string()),
        };
        PickedFile { dir, name, size_bytes, in_folder: true }
    }
}

/// What to do with the picked files.
#[derive(Debug, Clone, PartialEq)]
pub enum Planned {
    /// Explain this record: its header, and the files found for it (indices into the picked files): the signal
    /// files its header names and, LUDB style, per-lead annotation files `<record>.<lead>` (`crate::landmarks`).
    /// A signal file the header names but nobody picked is left for the reader to report.
    Record { record: String, header: usize, files: Vec<usize> },
    /// This file cannot be used; `record` is the row it shows as.
    Rejected { record: String, file: usize, message: String },
}

/// The plan for a drop, and how many unrelated files inside folders were passed over.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BatchPlan {
    pub planned: Vec<Planned>,
    pub ignored_in_folders: usize,
}

pub fn is_header(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".hea")
}

fn is_signal_file(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".dat")
}

/// The signal files a WFDB header names ([`wfdb::signal_file_names`]: the header's own line structure, without
/// linking the whole parser into the page), deduplicated, in order; none that would leave the folder (`..`) and no
/// `~` (a null signal). Whether the header is valid is for reading the record to say.
pub fn header_signal_files(header: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(header);
    let mut out: Vec<String> = Vec::new();
    for name in wfdb::signal_file_names(&text) {
        if name != "~" && !name.contains("..") && !out.iter().any(|n| n == name) {
            out.push(name.to_string());
        }
    }
    out
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_048_576.0)
}

/// Why a header cannot even be read, before reading it.
pub fn header_size_problem(file: &PickedFile) -> Option<String> {
    (file.size_bytes > MAX_HEADER_BYTES as u64).then(|| {
        format!(
            "{}: {} is too large for a WFDB header (at most {} MB); is it really a .hea file?",
            file.name,
            mb(file.size_bytes),
            MAX_HEADER_BYTES / 1_048_576
        )
    })
}

/// Pairs headers with their signal files. `header_signals[i]` is `Some(names)` for every header the caller could
/// read (the names from its signal lines), `None` for files that are not headers or that the caller already
/// reported (unreadable, too large).
pub fn plan(files: &[PickedFile], header_signals: &[Option<Vec<String>>]) -> BatchPlan {
    use std::collections::HashMap;
    let mut used = vec![false; files.len()];
    let mut out = BatchPlan::default();
    let stem = |name: &str| name[..name.len() - 4].to_string();
    // Indexes, so that a folder of tens of thousands of files is planned in linear time.
    let mut by_place: HashMap<(&str, &str), usize> = HashMap::new();
    let mut loose_by_name: HashMap<&str, usize> = HashMap::new();
    let mut headers_named: HashMap<&str, usize> = HashMap::new();
    for (i, f) in files.iter().enumerate() {
        by_place.entry((f.dir.as_str(), f.name.as_str())).or_insert(i);
        if !f.in_folder {
            loose_by_name.entry(f.name.as_str()).or_insert(i);
        }
        if is_header(&f.name) {
            *headers_named.entry(f.name.as_str()).or_default() += 1;
        }
    }
    for (i, file) in files.iter().enumerate() {
        if !is_header(&file.name) {
            continue;
        }
        used[i] = true;
        let Some(Some(wanted)) = header_signals.get(i) else { continue };
        let record = if headers_named[file.name.as_str()] > 1 && !file.dir.is_empty() {
            format!("{}/{}", file.dir, stem(&file.name))
        } else {
            stem(&file.name)
        };
        let mut signals = Vec::new();
        let mut too_large = None;
        for name in wanted {
            let base = name.rsplit('/').next().unwrap_or(name);
            let found = by_place
                .get(&(file.dir.as_str(), base))
                .or_else(|| if file.in_folder { None } else { loose_by_name.get(base) })
                .copied();
            if let Some(j) = found {
                used[j] = true;
                if files[j].size_bytes > MAX_FILE_BYTES as u64 {
                    too_large = Some(format!(
                        "{}: {} is larger than the {} MB accepted for a signal file",
                        files[j].name,
                        mb(files[j].size_bytes),
                        MAX_FILE_BYTES / 1_048_576
                    ));
                } else if !signals.contains(&j) {
                    signals.push(j);
                }
            }
        }
        // Cardiologists' annotations beside the record (`1.ii`, `1.v3`): drawn under the trace.
        let record_stem = stem(&file.name);
        for (extension, _) in crate::landmarks::LEAD_EXTENSIONS {
            let name = format!("{record_stem}.{extension}");
            let found = by_place
                .get(&(file.dir.as_str(), name.as_str()))
                .or_else(|| if file.in_folder { None } else { loose_by_name.get(name.as_str()) })
                .copied();
            if let Some(j) = found.filter(|j| !signals.contains(j)) {
                used[j] = true;
                signals.push(j);
            }
        }
        out.planned.push(match too_large {
            Some(message) => Planned::Rejected { record, file: i, message },
            None => Planned::Record { record, header: i, files: signals },
        });
    }
    for (i, file) in files.iter().enumerate() {
        if used[i] {
            continue;
        }
        if is_signal_file(&file.name) {
            out.planned.push(Planned::Rejected {
                record: file.name.clone(),
                file: i,
                message: format!(
                    "{}: no WFDB header (.hea) among the chosen files refers to this file; choose the .hea with its .dat",
                    file.name
                ),
            });
        } else if file.in_folder {
            out.ignored_in_folders += 1;
        } else {
            out.planned.push(Planned::Rejected {
                record: file.name.clone(),
                file: i,
                message: format!(
                    "{}: not a WFDB record; ecglens reads WFDB, a .hea header with the .dat signal file it names",
                    file.name
                ),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Option<Vec<String>> {
        Some(v.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn loose_pairs_and_rejects() {
        let files = vec![
            PickedFile::loose("a.hea", 300),
            PickedFile::loose("a.dat", 120_000),
            PickedFile::loose("orphan.dat", 4),
            PickedFile::loose("notes.csv", 10),
        ];
        let plan = plan(&files, &[names(&["a.dat"]), None, None, None]);
        assert_eq!(plan.planned[0], Planned::Record { record: "a".into(), header: 0, files: vec![1] });
        assert!(
            matches!(&plan.planned[1], Planned::Rejected { file: 2, message, .. } if message.contains("no WFDB header"))
        );
        assert!(
            matches!(&plan.planned[2], Planned::Rejected { file: 3, message, .. } if message.contains("not a WFDB record"))
        );
        assert_eq!(plan.ignored_in_folders, 0);
    }

    #[test]
    fn folders_pair_within_their_folder_and_ignore_unrelated_files() {
        let files = vec![
            PickedFile::in_folder("ludb/data/1.hea", 500),
            PickedFile::in_folder("ludb/data/1.dat", 240_000),
            PickedFile::in_folder("ludb/data/1.i", 800),
            PickedFile::in_folder("other/1.hea", 500),
            PickedFile::in_folder("other/1.dat", 240_000),
            PickedFile::in_folder("ludb/README.txt", 100),
        ];
        assert_eq!(files[0].dir, "ludb/data");
        let plan = plan(&files, &[names(&["1.dat"]), None, None, names(&["1.dat"]), None, None]);
        assert_eq!(plan.planned.len(), 2);
        assert_eq!(plan.planned[0], Planned::Record { record: "ludb/data/1".into(), header: 0, files: vec![1, 2] });
        assert_eq!(plan.planned[1], Planned::Record { record: "other/1".into(), header: 3, files: vec![4] });
        assert_eq!(plan.ignored_in_folders, 1, "README.txt; 1.i is the annotation of lead I and goes with record 1");
    }

    #[test]
    fn a_folder_header_does_not_take_a_file_from_another_folder() {
        let files = vec![PickedFile::in_folder("x/r.hea", 300), PickedFile::in_folder("y/r.dat", 100)];
        let plan = plan(&files, &[names(&["r.dat"]), None]);
        assert_eq!(plan.planned[0], Planned::Record { record: "r".into(), header: 0, files: vec![] });
        assert!(matches!(&plan.planned[1], Planned::Rejected { file: 1, .. }));
    }

    #[test]
    fn too_large_files_are_rejected_before_reading() {
        let huge = PickedFile::loose("big.hea", 5 * 1_048_576);
        assert!(header_size_problem(&huge).is_some_and(|m| m.contains("5.0 MB")));
        assert!(header_size_problem(&PickedFile::loose("ok.hea", 400)).is_none());
        let files = vec![PickedFile::loose("r.hea", 300), PickedFile::loose("r.dat", MAX_FILE_BYTES as u64 + 1)];
        let plan = plan(&files, &[names(&["r.dat"]), None]);
        assert!(matches!(&plan.planned[0], Planned::Rejected { record, message, .. }
            if record == "r" && message.contains("larger than the 200 MB")));
    }

    #[test]
    fn signal_file_names_of_a_header() {
        let header =
            b"00203_hr 2 500 5000\n00203_hr.dat 16 1000 16 0 -15 4305 0 I\n00203_hr.dat 16 1000 16 0 5 -2 0 II\n";
        assert_eq!(header_signal_files(header), vec!["00203_hr.dat".to_string()]);
        // Two files, in order, comments and blank lines skipped; the same names `parse_header` reads.
        let two =
            b"# made by hand\nr 2 500 5000\n\nr_a.dat 16 1000 16 0 0 0 0 I\n# between\nr_b.dat 16 1000 16 0 0 0 0 II\n";
        assert_eq!(header_signal_files(two), vec!["r_a.dat".to_string(), "r_b.dat".to_string()]);
        let parsed = wfdb::parse_header(std::str::from_utf8(two).unwrap()).unwrap();
        assert_eq!(parsed.signals.iter().map(|s| s.file_name.as_str()).collect::<Vec<_>>(), ["r_a.dat", "r_b.dat"]);
        assert!(header_signal_files(b"").is_empty());
        assert!(header_signal_files(b"rec 1 500 10\n../etc/passwd 16 200 16 0 0 0 0 I\n").is_empty());
    }

    #[test]
    fn a_folder_of_twenty_thousand_records() {
        let n = 20_000;
        let mut files = Vec::new();
        let mut signals = Vec::new();
        for r in 0..n {
            files.push(PickedFile::in_folder(&format!("records500/{:05}/{r:05}_hr.hea", r / 1000 * 1000), 600));
            signals.push(Some(vec![format!("{r:05}_hr.dat")]));
            files.push(PickedFile::in_folder(&format!("records500/{:05}/{r:05}_hr.dat", r / 1000 * 1000), 120_000));
            signals.push(None);
        }
        let plan = plan(&files, &signals);
        assert_eq!(plan.planned.len(), n);
        assert!(plan.planned.iter().enumerate().all(|(r, p)| matches!(p,
            Planned::Record { record, header, files } if *record == format!("{r:05}_hr") && *header == 2 * r && *files == vec![2 * r + 1])));
    }

    #[test]
    fn unread_headers_are_used_but_not_planned() {
        let files = vec![PickedFile::loose("bad.hea", 300)];
        assert!(plan(&files, &[None]).planned.is_empty());
    }
}
