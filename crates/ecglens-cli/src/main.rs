//! The native CLI: the same core the browser runs.
//!
//! ```text
//! ecglens fit --data ../shared/data [--ludb ../shared/data/ludb] [--k auto|N]   # reference set → atlas
//! ecglens calibrate --data ../shared/data [--refits 10]                          # entropy temperature per layer
//! ecglens explain FILE... [--out FILE] [--logits FILE]                           # per-sample clusters (CSV)
//! ecglens info FILE... [--json] [--show-patient]                                 # what a file holds, no model
//! ecglens evaluate --data ../shared/data [--folds 10]                            # the paper's table
//! ```

fn main() -> std::process::ExitCode {
    match cli::run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // `{:#}`: the whole chain of causes on one line ("RECORD.hea: the header (.hea) is not ...").
            eprintln!("ecglens: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

mod cli {
    use std::io::Write;
    use std::path::{Path, PathBuf};

    use anyhow::{anyhow, Context, Result};
    use clap::{Parser, Subcommand};
    use ecglens_cli::info::Info;
    use ecglens_cli::{fit, pipeline};
    use ecglens_core::signal::{self, Format, Opened};
    use ecglens_engine::Engine;

    #[derive(Parser)]
    #[command(name = "ecglens", version, about = "Time-localized clusters of an ECG model's activations")]
    struct Cli {
        #[command(subcommand)]
        command: Command,
        /// ONNX model (default: the embedded default model of the app).
        #[arg(long, global = true)]
        model: Option<PathBuf>,
        /// Model card (default: beside the model, `<stem>.card.json`).
        #[arg(long, global = true)]
        card: Option<PathBuf>,
        /// Atlas (default: beside the model, `<stem>.atlas.json`).
        #[arg(long, global = true)]
        atlas: Option<PathBuf>,
    }

    /// What a file cannot say about itself (a CSV's rate, a NumPy array's leads...): the questions the app asks.
    /// Over a sidecar JSON beside the file (`x.json` for `x.npy`), which is read when present.
    #[derive(clap::Args, Clone, Default)]
    struct ReadArgs {
        /// Sampling rate in Hz, for files that do not give it (CSV without a time column, NumPy, MATLAB...).
        #[arg(long)]
        rate: Option<f64>,
        /// Lead names in the file's order, comma-separated (e.g. I,II,III,aVR,aVL,aVF,V1,V2,V3,V4,V5,V6).
        #[arg(long, value_delimiter = ',')]
        leads: Option<Vec<String>>,
        /// Unit of the file's numbers: mV, uV, V, or raw:ADU_PER_MV (e.g. raw:1000).
        #[arg(long, value_parser = parse_units)]
        units: Option<signal::Units>,
        /// Only record N (0-based) of a file that holds several (a NumPy batch, an HDF5 file of exams);
        /// default: every record.
        #[arg(long)]
        item: Option<usize>,
    }

    impl ReadArgs {
        fn options(&self, item: usize) -> signal::ReadOptions {
            signal::ReadOptions {
                sample_rate_hz: self.rate,
                leads: self.leads.clone(),
                units: self.units,
                item,
                window: None,
            }
        }
    }

    fn parse_units(text: &str) -> Result<signal::Units, String> {
        if let Some(gain) = text.strip_prefix("raw:") {
            return match gain.parse::<f64>() {
                Ok(g) if g.is_finite() && g > 0.0 => Ok(signal::Units::Raw(g)),
                _ => Err(format!("raw:{gain}: the gain must be a positive number of ADC units per mV")),
            };
        }
        signal::Units::parse(text).ok_or_else(|| format!("{text}: expected mV, uV, V or raw:ADU_PER_MV"))
    }

    /// Opens a file with the user's answers: every record of a multi-record file (or only `--item`), in order.
    fn open_records(path: &Path, read: &ReadArgs) -> Vec<Result<Opened, String>> {
        let message = |e: signal::SignalError| signal::open::message_for(&path.display().to_string(), &e);
        let first_item = read.item.unwrap_or(0);
        let first = signal::open::open_path_with(path, &read.options(first_item)).map_err(message);
        let count = match (&first, read.item) {
            (Ok(opened), None) => opened.source.part.as_ref().map_or(1, |p| p.count),
            _ => 1,
        };
        let mut out = vec![first];
        for item in 1..count {
            out.push(signal::open::open_path_with(path, &read.options(item)).map_err(message));
        }
        out
    }

    #[derive(Subcommand)]
    enum Command {
        /// Fit the clusters (atlas) and the surrogate over a reference set, and evaluate them.
        Fit {
            /// Folder with ptbxl/ and ptbxl-extra/ (see ../shared/data/README.md).
            #[arg(long)]
            data: PathBuf,
            /// LUDB folder, to name clusters after P/QRS/T/TP landmarks.
            #[arg(long)]
            ludb: Option<PathBuf>,
            /// Clusters per layer, or "auto" to choose on validation fidelity (fold 9).
            #[arg(long, default_value = "auto")]
            k: String,
            /// Where to write the atlas (default: the --atlas path).
            #[arg(long)]
            out: Option<PathBuf>,
            /// Time steps per layer sampled for k-means.
            #[arg(long, default_value_t = 60_000)]
            max_rows: usize,
        },
        /// Calibrate each layer's entropy temperature τ on k-means refits (also done at the end of `fit`).
        Calibrate {
            /// Folder with ptbxl/ and ptbxl-extra/ (see ../shared/data/README.md).
            #[arg(long)]
            data: PathBuf,
            /// k-means refits, each on another random sample of the reference steps.
            #[arg(long, default_value_t = 10)]
            refits: usize,
            /// Time steps per layer sampled for each refit (as in `fit`).
            #[arg(long, default_value_t = 60_000)]
            max_rows: usize,
            /// Where to write the atlas (default: the --atlas path, updated in place).
            #[arg(long)]
            out: Option<PathBuf>,
        },
        /// Per-sample cluster and entropy of each layer for ECG files: WFDB (.hea with the .dat beside it), DICOM,
        /// HL7 aECG, GE MUSE XML, Philips XML, SCP-ECG (recognised by content).
        Explain {
            #[arg(required = true)]
            records: Vec<PathBuf>,
            #[command(flatten)]
            read: ReadArgs,
            /// Write the CSV here instead of standard output.
            #[arg(long)]
            out: Option<PathBuf>,
            /// Write class probabilities (CNN and surrogate) as JSON here.
            #[arg(long)]
            logits: Option<PathBuf>,
        },
        /// What each file holds, without running the model: format, leads, rate, duration, per-lead range, warnings,
        /// the device's measurements and statements.
        Info {
            #[arg(required = true)]
            files: Vec<PathBuf>,
            #[command(flatten)]
            read: ReadArgs,
            /// One JSON object per record, one per line.
            #[arg(long)]
            json: bool,
            /// Also print the patient's identity (name, ID, birth date...) the file carries.
            #[arg(long)]
            show_patient: bool,
        },
        /// Benchmarks: one record end to end, or the k-means fit on a reference activation matrix.
        #[command(subcommand)]
        Bench(Bench),
        /// The paper's table on a test set: surrogate fidelity, accuracy and AUROC against the CNN's.
        Evaluate {
            #[arg(long)]
            data: PathBuf,
            /// Test folds (PTB-XL strat_fold).
            #[arg(long, value_delimiter = ',', default_value = "10")]
            folds: Vec<u8>,
        },
    }

    #[derive(Subcommand)]
    enum Bench {
        /// Reads (parses) each file, repeated; prints one JSON line per file with the median time.
        Parse {
            #[arg(required = true)]
            files: Vec<PathBuf>,
            #[arg(long, default_value_t = 20)]
            repeat: usize,
        },
        /// Parse → preprocess → logits, clusters, entropy for one record, repeated; prints the median.
        Explain {
            record: PathBuf,
            #[arg(long, default_value_t = 50)]
            repeat: usize,
        },
        /// k-means (linfa, k-means++ with restarts) on one layer's reference activations; dumps the
        /// matrix so scikit-learn can be timed on exactly the same data (scripts/bench_kmeans_sklearn.py).
        Kmeans {
            #[arg(long)]
            data: PathBuf,
            #[arg(long, default_value = "block2")]
            layer: String,
            #[arg(long, default_value_t = 8)]
            k: usize,
            #[arg(long, default_value_t = 3)]
            runs: usize,
            #[arg(long, default_value_t = 60_000)]
            max_rows: usize,
            /// Write the normalised matrix here (raw little-endian f32, rows × channels; shape in FILE.json).
            #[arg(long)]
            dump: Option<PathBuf>,
        },
    }

    fn default_model() -> PathBuf {
        let local = PathBuf::from("www/models/default.onnx");
        if local.exists() {
            local
        } else {
            Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("www/models/default.onnx")
        }
    }

    fn beside(model: &Path, suffix: &str) -> PathBuf {
        let stem = model.file_stem().and_then(|s| s.to_str()).unwrap_or("default");
        model.with_file_name(format!("{stem}.{suffix}"))
    }

    fn read(path: &Path) -> Result<Vec<u8>> {
        std::fs::read(path).with_context(|| path.display().to_string())
    }

    pub fn run() -> Result<()> {
        let cli = Cli::parse();
        let model_path = cli.model.clone().unwrap_or_else(default_model);
        let card_path = cli.card.clone().unwrap_or_else(|| beside(&model_path, "card.json"));
        let atlas_path = cli.atlas.clone().unwrap_or_else(|| beside(&model_path, "atlas.json"));
        // The model is loaded only by the commands that run it (`info` and `bench parse` do not).
        let engine = |atlas: Atlas| -> Result<Engine> {
            let onnx = read(&model_path)?;
            let card = read(&card_path)?;
            let atlas_bytes = match atlas {
                Atlas::Required => Some(read(&atlas_path)?),
                Atlas::IfPresent => std::fs::read(&atlas_path).ok(),
                Atlas::None => None,
            };
            let context = if atlas_bytes.is_some() { &atlas_path } else { &model_path };
            Engine::new(&onnx, &card, atlas_bytes.as_deref()).with_context(|| context.display().to_string())
        };
        match cli.command {
            Command::Explain { records, read, out, logits } => {
                explain(&engine(Atlas::Required)?, &records, &read, out.as_deref(), logits.as_deref())
            }
            Command::Info { files, read, json, show_patient } => info_command(&files, &read, json, show_patient),
            Command::Fit { data, ludb, k, out, max_rows } => {
                let out = out.unwrap_or(atlas_path.clone());
                fit_command(engine(Atlas::None)?, &data, ludb.as_deref(), &k, &out, max_rows)
            }
            Command::Calibrate { data, refits, max_rows, out } => {
                let out = out.unwrap_or(atlas_path.clone());
                calibrate_command(engine(Atlas::Required)?, &data, refits, max_rows, &out)
            }
            Command::Bench(bench) => bench_command(|| engine(Atlas::IfPresent), bench),
            Command::Evaluate { data, folds } => evaluate_command(&engine(Atlas::Required)?, &data, &folds),
        }
    }

    /// Which atlas a command needs.
    enum Atlas {
        Required,
        IfPresent,
        None,
    }

    fn info_command(files: &[PathBuf], read: &ReadArgs, json: bool, show_patient: bool) -> Result<()> {
        let mut failures = Vec::new();
        let mut stdout = std::io::stdout().lock();
        for (path, opened) in files.iter().flat_map(|p| open_records(p, read).into_iter().map(move |o| (p, o))) {
            let name = path.display().to_string();
            match opened {
                Ok(opened) => {
                    let info = Info::of(&name, &opened, show_patient);
                    if json {
                        writeln!(stdout, "{}", serde_json::to_string(&info)?)?;
                    } else {
                        writeln!(stdout, "{}", info.text(!opened.patient.is_empty()))?;
                    }
                }
                Err(message) => {
                    if json {
                        writeln!(stdout, "{}", serde_json::json!({ "file": name, "error": message }))?;
                    }
                    failures.push(message);
                }
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(anyhow!(failures.join("\necglens: ")))
        }
    }

    /// Parse time per file: the bytes are read once, then parsed `repeat` times (sniffing included).
    fn bench_parse(files: &[PathBuf], repeat: usize) -> Result<()> {
        for path in files {
            let name = path.display().to_string();
            let bytes = read(path)?;
            let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
            let mut siblings: Vec<(String, Vec<u8>)> = Vec::new();
            if ecglens_core::signal::sniff::is_wfdb_header_name(&name) {
                for file in ecglens_core::batch::header_signal_files(&bytes) {
                    siblings.push((file.clone(), read(&dir.join(&file))?));
                }
            }
            let lookup = |n: &str| siblings.iter().find(|(f, _)| f == n).map(|(_, b)| b.as_slice());
            let mut times = Vec::with_capacity(repeat.max(1));
            let mut format = Format::Wfdb;
            for _ in 0..repeat.max(1) {
                let t0 = std::time::Instant::now();
                let opened = signal::open(&name, &bytes, &lookup).map_err(|e| anyhow!("{name}: {e}"))?;
                times.push(t0.elapsed().as_secs_f64() * 1e3);
                format = opened.source.format;
            }
            println!(
                "{}",
                serde_json::json!({ "file": name, "format": format.label(), "bytes": bytes.len(), "repeat": times.len(), "parse_median_ms": median_ms(times) })
            );
        }
        Ok(())
    }

    fn median_ms(mut samples: Vec<f64>) -> f64 {
        samples.sort_by(f64::total_cmp);
        samples[samples.len() / 2]
    }

    fn bench_command(engine: impl FnOnce() -> Result<Engine>, bench: Bench) -> Result<()> {
        match bench {
            Bench::Parse { files, repeat } => bench_parse(&files, repeat),
            Bench::Explain { record, repeat } => {
                let engine = engine()?;
                let header = read(&record)?;
                let dir = record.parent().unwrap_or(Path::new(".")).to_path_buf();
                // The signal files are read once, outside the timed loop (the benchmark times parsing, not I/O).
                let signals: Vec<(String, Vec<u8>)> = ecglens_core::batch::header_signal_files(&header)
                    .into_iter()
                    .map(|name| Ok((name.clone(), read(&dir.join(&name))?)))
                    .collect::<Result<_>>()?;
                let lookup = |name: &str| signals.iter().find(|(n, _)| n == name).map(|(_, bytes)| bytes.as_slice());
                let mut times = Vec::with_capacity(repeat);
                for _ in 0..repeat.max(1) {
                    let start = std::time::Instant::now();
                    let parsed = ecglens_core::signal::wfdb::read_record_slices(&header, &lookup)?;
                    let explanation = engine.explain(&parsed)?;
                    std::hint::black_box(explanation);
                    times.push(start.elapsed().as_secs_f64() * 1000.0);
                }
                let input = ndarray::Array2::<f32>::zeros((engine.card.input.leads.len(), engine.card.input.n_samples));
                let mut model_times = Vec::with_capacity(repeat);
                for _ in 0..repeat.max(1) {
                    let start = std::time::Instant::now();
                    std::hint::black_box(engine.model().run(input.view())?);
                    model_times.push(start.elapsed().as_secs_f64() * 1000.0);
                }
                println!(
                    "{}",
                    serde_json::json!({
                        "record": record.display().to_string(), "repeat": repeat,
                        "explain_median_ms": median_ms(times.clone()), "explain_min_ms": times.iter().copied().fold(f64::INFINITY, f64::min),
                        "inference_median_ms": median_ms(model_times),
                    })
                );
                Ok(())
            }
            Bench::Kmeans { data, layer, k, runs, max_rows, dump } => {
                let engine = engine()?;
                let items = fit::load_ptbxl(&data, &engine.card.output.classes, engine.card.input.reads_amplitude)?;
                let inferred = fit::infer_all(&engine, items);
                let reference = pipeline::split(inferred).reference;
                let tap_ix =
                    engine.card.taps.iter().position(|t| t.name == layer).with_context(|| format!("no tap {layer}"))?;
                let matrix = fit::layer_matrix(&reference, tap_ix, max_rows, 42)?.matrix;
                if let Some(path) = &dump {
                    let bytes: Vec<u8> = matrix.iter().flat_map(|v| v.to_le_bytes()).collect();
                    std::fs::write(path, bytes)?;
                    let shape = serde_json::json!({ "rows": matrix.nrows(), "channels": matrix.ncols() });
                    std::fs::write(path.with_extension("json"), shape.to_string())?;
                }
                let mut times = Vec::new();
                let mut inertia = 0.0;
                for repeat in 0..3 {
                    let start = std::time::Instant::now();
                    let (_, _, i) = fit::kmeans(&matrix, k, runs, 7 + repeat)?;
                    times.push(start.elapsed().as_secs_f64() * 1000.0);
                    inertia = i;
                }
                println!(
                    "{}",
                    serde_json::json!({
                        "implementation": "linfa-clustering KMeans (k-means++, Lloyd)", "rows": matrix.nrows(), "channels": matrix.ncols(),
                        "k": k, "n_init": runs, "median_ms": median_ms(times), "mean_sq_distance": inertia,
                    })
                );
                Ok(())
            }
        }
    }

    fn explain(
        engine: &Engine,
        records: &[PathBuf],
        read: &ReadArgs,
        out: Option<&Path>,
        logits: Option<&Path>,
    ) -> Result<()> {
        let mut csv = String::from(ecglens_core::explain::CSV_HEADER);
        csv.push('\n');
        let mut probabilities = Vec::new();
        let mut failures = Vec::new();
        let bar = (records.len() > 1).then(|| fit::progress(records.len(), "explain"));
        for (path, opened) in records.iter().flat_map(|p| open_records(p, read).into_iter().map(move |o| (p, o))) {
            if let Some(bar) = &bar {
                bar.inc(1);
            }
            let result = opened.and_then(|opened| {
                let mut explanation = engine.explain(&opened.record).map_err(|e| format!("{}: {e}", path.display()))?;
                if opened.source.format != Format::Wfdb || !opened.source.warnings.is_empty() {
                    explanation.source = Some(opened.source);
                }
                // Nothing to write for a record the model cannot read: the run fails for it, saying why.
                match &explanation.withheld {
                    Some(reason) => Err(format!("{}: {reason}", path.display())),
                    None => {
                        if let Some(set) = &explanation.lead_set {
                            let note = ecglens_core::session::summary::lead_set_text(set, &explanation.leads);
                            eprintln!("ecglens: {}: {note}", path.display());
                        }
                        Ok(explanation)
                    }
                }
            });
            // One failed record does not stop the others: the messages are collected and reported together.
            match result {
                Ok(explanation) => {
                    explanation.write_csv_rows(&mut csv);
                    probabilities.push(explanation.probabilities_json());
                }
                Err(message) => failures.push(message),
            }
        }
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        match out {
            Some(path) => std::fs::write(path, &csv).with_context(|| path.display().to_string())?,
            None => std::io::stdout().write_all(csv.as_bytes())?,
        }
        if let Some(path) = logits {
            let json = serde_json::to_string_pretty(&probabilities)?;
            std::fs::write(path, json).with_context(|| path.display().to_string())?;
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(anyhow!(failures.join("\necglens: ")))
        }
    }

    fn calibrate_command(engine: Engine, data: &Path, refits: usize, max_rows: usize, out: &Path) -> Result<()> {
        let (atlas, calibration) = pipeline::calibrate(&engine, data, refits, max_rows)?;
        for c in &calibration {
            eprintln!(
                "{}: τ = {:.3}; cross-entropy {:.4} → {:.4} nats; mean entropy {:.4} → {:.4} nats; refits disagree on {:.1} % of steps",
                c.layer, c.temperature, c.cross_entropy_at_1, c.cross_entropy, c.mean_entropy_at_1, c.mean_entropy,
                100.0 * c.refit_disagreement
            );
        }
        write_atlas(&atlas, out)?;
        eprintln!("wrote {}", out.display());
        Ok(())
    }

    fn write_atlas(atlas: &ecglens_core::Atlas, out: &Path) -> Result<()> {
        let json = serde_json::to_string(atlas)?;
        std::fs::write(out, json).with_context(|| out.display().to_string())
    }

    fn fit_command(
        mut engine: Engine,
        data: &Path,
        ludb: Option<&Path>,
        k: &str,
        out: &Path,
        max_rows: usize,
    ) -> Result<()> {
        let started = std::time::Instant::now();
        let ks: Vec<usize> = match k {
            "auto" => pipeline::K_CANDIDATES.to_vec(),
            n => vec![n.parse().map_err(|_| anyhow!("--k must be a number or auto, not {n:?}"))?],
        };
        let fitted = pipeline::fit_atlas(&mut engine, data, ludb, &ks, max_rows)?;
        write_atlas(&fitted.atlas, out)?;
        println!("Fold 10:\n{}", fit::table_markdown(&fitted.test_table));
        println!("Ten folds (mean ± s.d.):\n{}", fit::cross_validated_markdown(&fitted.cross_validation));
        for layer in &fitted.atlas.layers {
            println!("{}: {}", layer.layer, layer.cluster_names.join(", "));
        }
        eprintln!("atlas written to {} in {:.0} s", out.display(), started.elapsed().as_secs_f64());
        Ok(())
    }

    fn evaluate_command(engine: &Engine, data: &Path, folds: &[u8]) -> Result<()> {
        let table = pipeline::evaluate_folds(engine, data, folds)?;
        println!("{}", fit::table_markdown(&table));
        Ok(())
    }
}
