//! Turning the files a user chose or dropped, whole folders included, into records to explain.
//!
//! Pure: it sees names, folders, sizes, the signal file names each WFDB header lists and what the other files were
//! sniffed as ([`FileKind`], from [`crate::signal::sniff`]). The web layer reads the files. A WFDB header is paired
//! with the files its signal lines name, looked up in its own folder; loose files (chosen or dropped one by one)
//! are looked up anywhere in the same drop. A file in another format (DICOM, HL7 aECG, MUSE, Philips, SCP-ECG) is
//! a record on its own, whatever its name. A file nobody uses gets a reason (what it looks like), except
//! unrelated files found inside a folder (notes, CSVs), which are only counted.

use crate::signal::limits::{MAX_FILE_BYTES, MAX_HEADER_BYTES};
use crate::signal::sniff::unrecognised_message;
use crate::signal::{wfdb, Format};

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

/// What the caller found a picked file to be.
#[derive(Debug, Clone, PartialEq)]
pub enum FileKind {
    /// Not read: a WFDB signal or annotation file (by name), or a file the caller already reported.
    NotRead,
    /// A WFDB header, and the signal files its lines name ([`header_signal_files`]).
    WfdbHeader(Vec<String>),
    /// A one-file record in another format, recognised by content.
    Single(Format),
    /// Read, and not a format ecglens knows: what it looks like ([`crate::signal::sniff::Sniffed::Unknown`]).
    Unrecognised { looks_like: String },
}

/// Should the caller sniff this file's content? Everything but WFDB headers, signal files and annotation files,
/// which are known by name.
pub fn needs_sniffing(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let annotation =
        lower.rsplit_once('.').is_some_and(|(_, ext)| crate::landmarks::LEAD_EXTENSIONS.iter().any(|(e, _)| *e == ext));
    !(is_header(name) || is_signal_file(name) || annotation)
}

/// What to do with the picked files.
#[derive(Debug, Clone, PartialEq)]
pub enum Planned {
    /// Explain this record: its main file (`header`: the WFDB header, or the one file of another format), and the
    /// other files found for it (indices into the picked files): the signal files its header names and, LUDB
    /// style, per-lead annotation files `<record>.<lead>` (`crate::landmarks`). A signal file the header names but
    /// nobody picked is left for the reader to report.
    Record { record: String, header: usize, files: Vec<usize>, format: Format },
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
///
/// A multi-segment header (`name/n` on its record line) names segment records: their headers (`<segment>.hea`).
pub fn header_signal_files(header: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(header);
    let multi_segment =
        wfdb::record_line(&text).and_then(|l| l.split_whitespace().next()).is_some_and(|n| n.contains('/'));
    let mut out: Vec<String> = Vec::new();
    for name in wfdb::signal_file_names(&text) {
        let name = if multi_segment { format!("{name}.hea") } else { name.to_string() };
        if !name.starts_with('~') && !name.contains("..") && !out.contains(&name) {
            out.push(name);
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

/// Pairs WFDB headers with their signal files and makes every file of another format a record. `kinds[i]` is what
/// the caller found file `i` to be (missing entries count as [`FileKind::NotRead`]).
pub fn plan(files: &[PickedFile], kinds: &[FileKind]) -> BatchPlan {
    use std::collections::HashMap;
    let mut used = vec![false; files.len()];
    let mut out = BatchPlan::default();
    let stem = |name: &str| name[..name.len() - 4].to_string();
    // Indexes, so that a folder of tens of thousands of files is planned in linear time.
    let mut by_place: HashMap<(&str, &str), usize> = HashMap::new();
    let mut loose_by_name: HashMap<&str, usize> = HashMap::new();
    let mut records_named: HashMap<String, usize> = HashMap::new();
    let kind = |i: usize| kinds.get(i).unwrap_or(&FileKind::NotRead);
    for (i, f) in files.iter().enumerate() {
        by_place.entry((f.dir.as_str(), f.name.as_str())).or_insert(i);
        if !f.in_folder {
            loose_by_name.entry(f.name.as_str()).or_insert(i);
        }
        if is_header(&f.name) || matches!(kind(i), FileKind::Single(_)) {
            *records_named.entry(crate::signal::open::record_name(&f.name)).or_default() += 1;
        }
    }
    // The file named `name` beside `file`: in its folder, or, for a loose file, anywhere among the loose files.
    let beside = |file: &PickedFile, name: &str| -> Option<usize> {
        by_place
            .get(&(file.dir.as_str(), name))
            .or_else(|| if file.in_folder { None } else { loose_by_name.get(name) })
            .copied()
    };
    // A record's name: the file's without extension; when two records would share it, with its folder, or (loose
    // files: `a.dcm`, `a.scp`) with its extension.
    let record_name = |file: &PickedFile| {
        let name = crate::signal::open::record_name(&file.name);
        match records_named.get(&name).copied().unwrap_or(0) > 1 {
            false => name,
            true if !file.dir.is_empty() => format!("{}/{name}", file.dir),
            true if is_header(&file.name) => name,
            true => file.name.clone(),
        }
    };
    // Files a header names are its own, whatever they were sniffed as (CinC's `.mat` signal files); the segment
    // headers of a multi-segment record, and their signal files, belong to the record's header.
    let mut segment_of: HashMap<usize, usize> = HashMap::new();
    for (i, file) in files.iter().enumerate() {
        if let FileKind::WfdbHeader(wanted) = kind(i) {
            for name in wanted.iter().filter(|n| is_header(n)) {
                if let Some(j) = beside(file, name).filter(|&j| j != i) {
                    segment_of.insert(j, i);
                }
            }
        }
    }
    let mut planned: Vec<(usize, Planned)> = Vec::new();
    for (i, file) in files.iter().enumerate() {
        if !is_header(&file.name) || segment_of.contains_key(&i) {
            continue;
        }
        used[i] = true;
        let FileKind::WfdbHeader(own) = kind(i) else { continue };
        let record = record_name(file);
        let mut signals = Vec::new();
        let mut too_large = None;
        // A multi-segment header's segment headers, then each one's signal files.
        let mut wanted: Vec<&String> = own.iter().collect();
        for name in own.iter().filter(|n| is_header(n)) {
            if let Some((&j, _)) = segment_of.iter().find(|(j, &master)| master == i && files[**j].name == *name) {
                if let FileKind::WfdbHeader(theirs) = kind(j) {
                    wanted.extend(theirs.iter());
                }
            }
        }
        for name in wanted {
            let base = name.rsplit('/').next().unwrap_or(name);
            if let Some(j) = beside(file, base) {
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
            if let Some(j) = beside(file, &name).filter(|j| !signals.contains(j)) {
                used[j] = true;
                signals.push(j);
            }
        }
        planned.push((
            i,
            match too_large {
                Some(message) => Planned::Rejected { record, file: i, message },
                None => Planned::Record { record, header: i, files: signals, format: Format::Wfdb },
            },
        ));
    }
    for (i, file) in files.iter().enumerate() {
        let FileKind::Single(format) = kind(i) else { continue };
        if used[i] {
            continue;
        }
        used[i] = true;
        // What a file of numbers cannot say may come in a sidecar JSON beside it (`x.json` for `x.npy`).
        let mut extra = Vec::new();
        if format.takes_options() {
            let sidecar = format!("{}.json", crate::signal::open::record_name(&file.name));
            if let Some(j) = beside(file, &sidecar).filter(|&j| !used[j]) {
                used[j] = true;
                extra.push(j);
            }
        }
        // A file read a piece at a time (an EDF Holter, a CODE-15% HDF5 part) may be of any size.
        let read_whole = !crate::signal::open::read_piecewise(*format, &file.name);
        planned.push((
            i,
            match read_whole && file.size_bytes > MAX_FILE_BYTES as u64 {
                true => Planned::Rejected {
                    record: record_name(file),
                    file: i,
                    message: format!(
                        "{}: {} is larger than the {} MB ecglens reads",
                        file.name,
                        mb(file.size_bytes),
                        MAX_FILE_BYTES / 1_048_576
                    ),
                },
                false => Planned::Record { record: record_name(file), header: i, files: extra, format: *format },
            },
        ));
    }
    for &j in segment_of.keys() {
        used[j] = true; // a segment header: read with its record's header, above
    }
    planned.sort_by_key(|(i, _)| *i);
    out.planned.extend(planned.into_iter().map(|(_, p)| p));
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
            let message = match kind(i) {
                FileKind::Unrecognised { looks_like } => unrecognised_message(&file.name, looks_like),
                _ => format!(
                    "{}: not a record on its own (a WFDB annotation or signal file goes with its .hea); supported: {}",
                    file.name,
                    Format::supported_list()
                ),
            };
            out.planned.push(Planned::Rejected { record: file.name.clone(), file: i, message });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> FileKind {
        FileKind::WfdbHeader(v.iter().map(|s| s.to_string()).collect())
    }
    const NR: FileKind = FileKind::NotRead;

    #[test]
    fn loose_pairs_and_rejects() {
        let files = vec![
            PickedFile::loose("a.hea", 300),
            PickedFile::loose("a.dat", 120_000),
            PickedFile::loose("orphan.dat", 4),
            PickedFile::loose("notes.csv", 10),
        ];
        let text = FileKind::Unrecognised { looks_like: "a text file".into() };
        let plan = plan(&files, &[names(&["a.dat"]), NR, NR, text]);
        assert_eq!(
            plan.planned[0],
            Planned::Record { record: "a".into(), header: 0, files: vec![1], format: Format::Wfdb }
        );
        assert!(
            matches!(&plan.planned[1], Planned::Rejected { file: 2, message, .. } if message.contains("no WFDB header"))
        );
        assert!(
            matches!(&plan.planned[2], Planned::Rejected { file: 3, message, .. } if message.contains("notes.csv: not an ECG format ecglens reads; it looks like a text file. Supported: WFDB"))
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
        let plan = plan(&files, &[names(&["1.dat"]), NR, NR, names(&["1.dat"]), NR, NR]);
        assert_eq!(plan.planned.len(), 2);
        assert_eq!(
            plan.planned[0],
            Planned::Record { record: "ludb/data/1".into(), header: 0, files: vec![1, 2], format: Format::Wfdb }
        );
        assert_eq!(
            plan.planned[1],
            Planned::Record { record: "other/1".into(), header: 3, files: vec![4], format: Format::Wfdb }
        );
        assert_eq!(plan.ignored_in_folders, 1, "README.txt; 1.i is the annotation of lead I and goes with record 1");
    }

    #[test]
    fn a_folder_header_does_not_take_a_file_from_another_folder() {
        let files = vec![PickedFile::in_folder("x/r.hea", 300), PickedFile::in_folder("y/r.dat", 100)];
        let plan = plan(&files, &[names(&["r.dat"]), NR]);
        assert_eq!(
            plan.planned[0],
            Planned::Record { record: "r".into(), header: 0, files: vec![], format: Format::Wfdb }
        );
        assert!(matches!(&plan.planned[1], Planned::Rejected { file: 1, .. }));
    }

    #[test]
    fn too_large_files_are_rejected_before_reading() {
        let huge = PickedFile::loose("big.hea", 5 * 1_048_576);
        assert!(header_size_problem(&huge).is_some_and(|m| m.contains("5.0 MB")));
        assert!(header_size_problem(&PickedFile::loose("ok.hea", 400)).is_none());
        let files = vec![PickedFile::loose("r.hea", 300), PickedFile::loose("r.dat", MAX_FILE_BYTES as u64 + 1)];
        let plan = plan(&files, &[names(&["r.dat"]), NR]);
        assert!(matches!(&plan.planned[0], Planned::Rejected { record, message, .. }
            if record == "r" && message.contains("larger than the 200 MB")));
        // An EDF Holter or an HDF5 file of exams is read a piece at a time: any size; an .npz is read whole.
        let big = MAX_FILE_BYTES as u64 * 20;
        let files = vec![
            PickedFile::loose("holter.edf", big),
            PickedFile::loose("exams.hdf5", big),
            PickedFile::loose("x.npz", big),
        ];
        let kinds = [FileKind::Single(Format::Edf), FileKind::Single(Format::Hdf5), FileKind::Single(Format::Numpy)];
        let plan = super::plan(&files, &kinds);
        assert!(matches!(&plan.planned[0], Planned::Record { format: Format::Edf, .. }));
        assert!(matches!(&plan.planned[1], Planned::Record { format: Format::Hdf5, .. }));
        assert!(matches!(&plan.planned[2], Planned::Rejected { .. }));
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
            signals.push(FileKind::WfdbHeader(vec![format!("{r:05}_hr.dat")]));
            files.push(PickedFile::in_folder(&format!("records500/{:05}/{r:05}_hr.dat", r / 1000 * 1000), 120_000));
            signals.push(NR);
        }
        let plan = plan(&files, &signals);
        assert_eq!(plan.planned.len(), n);
        assert!(plan.planned.iter().enumerate().all(|(r, p)| matches!(p,
            Planned::Record { record, header, files, .. } if *record == format!("{r:05}_hr") && *header == 2 * r && *files == vec![2 * r + 1])));
    }

    #[test]
    fn a_folder_mixing_formats_sends_each_file_to_its_reader() {
        let files = vec![
            PickedFile::in_folder("cart/a.xml", 50_000),
            PickedFile::in_folder("cart/b.dcm", 140_000),
            PickedFile::in_folder("cart/r.hea", 300),
            PickedFile::in_folder("cart/r.dat", 24_000),
            PickedFile::in_folder("cart/notes.txt", 20),
            PickedFile::in_folder("other/a.xml", 50_000),
            PickedFile::loose("scan.pdf", 9_000),
            PickedFile::loose("huge.scp", MAX_FILE_BYTES as u64 + 1),
        ];
        let kinds = [
            FileKind::Single(Format::PhilipsXml),
            FileKind::Single(Format::Dicom),
            names(&["r.dat"]),
            NR,
            FileKind::Unrecognised { looks_like: "a text file".into() },
            FileKind::Single(Format::MuseXml),
            FileKind::Unrecognised { looks_like: "a PDF document".into() },
            FileKind::Single(Format::ScpEcg),
        ];
        let plan = plan(&files, &kinds);
        let single =
            |record: &str, header, format| Planned::Record { record: record.into(), header, files: vec![], format };
        assert_eq!(plan.planned[0], single("cart/a", 0, Format::PhilipsXml), "two a.xml: the folder tells them apart");
        assert_eq!(plan.planned[1], single("b", 1, Format::Dicom));
        assert_eq!(
            plan.planned[2],
            Planned::Record { record: "r".into(), header: 2, files: vec![3], format: Format::Wfdb }
        );
        assert_eq!(plan.planned[3], single("other/a", 5, Format::MuseXml));
        assert!(matches!(&plan.planned[4], Planned::Rejected { record, message, .. }
            if record == "huge" && message.contains("larger than the 200 MB")));
        assert!(matches!(&plan.planned[5], Planned::Rejected { file: 6, message, .. }
            if message.starts_with("scan.pdf: not an ECG format ecglens reads; it looks like a PDF document")));
        assert_eq!(plan.planned.len(), 6);
        assert_eq!(plan.ignored_in_folders, 1, "notes.txt");
        // Loose files sharing a stem keep their extension (a WFDB header keeps the record's name).
        let loose = [PickedFile::loose("x.dcm", 9), PickedFile::loose("x.scp", 9), PickedFile::loose("x.hea", 9)];
        let kinds = [FileKind::Single(Format::Dicom), FileKind::Single(Format::ScpEcg), names(&[])];
        let names_planned: Vec<String> = plan_names(&super::plan(&loose, &kinds));
        assert_eq!(names_planned, ["x.dcm", "x.scp", "x"]);
        assert!(needs_sniffing("x.XML") && needs_sniffing("b.dcm") && needs_sniffing("noext"));
        assert!(
            !needs_sniffing("r.hea") && !needs_sniffing("r.DAT") && !needs_sniffing("1.ii") && !needs_sniffing("1.v3")
        );
    }

    fn plan_names(plan: &BatchPlan) -> Vec<String> {
        plan.planned
            .iter()
            .map(|p| match p {
                Planned::Record { record, .. } | Planned::Rejected { record, .. } => record.clone(),
            })
            .collect()
    }

    #[test]
    fn unread_headers_are_used_but_not_planned() {
        let files = vec![PickedFile::loose("bad.hea", 300)];
        assert!(plan(&files, &[NR]).planned.is_empty());
    }
}

#[cfg(test)]
mod research_tests {
    use super::*;

    #[test]
    fn signal_files_named_mat_sidecars_and_segments_go_with_their_record() {
        let files = vec![
            PickedFile::loose("A00001.mat", 18_000),
            PickedFile::loose("A00001.hea", 60),
            PickedFile::loose("x_test.npy", 80_000),
            PickedFile::loose("x_test.json", 90),
            PickedFile::loose("m.hea", 80),
            PickedFile::loose("m_0001.hea", 80),
            PickedFile::loose("m_0001.dat", 4000),
            PickedFile::loose("m_0002.hea", 80),
            PickedFile::loose("m_0002.dat", 4000),
        ];
        let single = |f| FileKind::Single(f);
        let header = |v: &[&str]| FileKind::WfdbHeader(v.iter().map(|s| s.to_string()).collect());
        let kinds = vec![
            single(Format::Matlab),
            header(&["A00001.mat"]),
            single(Format::Numpy),
            FileKind::Unrecognised { looks_like: "a text file".into() },
            header_of(b"m/2 1 360 2000\nm_0001 1000\nm_0002 1000\n"),
            header(&["m_0001.dat"]),
            FileKind::NotRead,
            header(&["m_0002.dat"]),
            FileKind::NotRead,
        ];
        let plan = plan(&files, &kinds);
        assert_eq!(
            plan.planned,
            vec![
                Planned::Record { record: "A00001".into(), header: 1, files: vec![0], format: Format::Wfdb },
                Planned::Record { record: "x_test".into(), header: 2, files: vec![3], format: Format::Numpy },
                Planned::Record { record: "m".into(), header: 4, files: vec![5, 7, 6, 8], format: Format::Wfdb },
            ]
        );
    }

    fn header_of(text: &[u8]) -> FileKind {
        FileKind::WfdbHeader(header_signal_files(text))
    }
}
