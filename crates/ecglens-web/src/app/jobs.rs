//! The page's side of the job queue (`ecglens_core::session::queue`): what the user asks for becomes a job, one job
//! at a time is sent to the worker, and each answer goes where its job said: the screen, a batch row, a notice.

use std::sync::Arc;

use leptos::prelude::*;
use web_sys::File;

use super::ctx::{Ctx, Files, Shown, Source};
use crate::worker_client::{PostError, WorkerClient};
use ecglens_core::paper::View;
use ecglens_core::protocol::{Request, Response};
use ecglens_core::session::{ask, notice, rows, Job, Row, RowStatus, RowSummary, Target};
use ecglens_core::signal::PatientIdentity;
use ecglens_core::Explanation;

/// Starts the worker; its answers come to `on_response`.
pub(super) fn start_worker(ctx: Ctx) {
    let on_failure = move |message: String| {
        ctx.fatal.update(|f| {
            if f.is_none() {
                *f = Some(message);
            }
        })
    };
    match WorkerClient::start(move |response| on_response(ctx, response), on_failure) {
        Ok(worker) => ctx.worker.set_value(Some(worker)),
        Err(message) => ctx.fatal.set(Some(message)),
    }
}

fn update_pending(ctx: Ctx) {
    ctx.pending.set(ctx.with_jobs(|jobs| jobs.pending()));
}

/// Sends the next queued job to the worker if it is idle.
pub(super) fn pump(ctx: Ctx) {
    if let Some(job) = ctx.with_jobs(|jobs| jobs.start_next()) {
        if job.target == Target::Row {
            ctx.rows.update(|rows| {
                rows::set_status(rows, job.id, RowStatus::Running);
            });
        }
        if let Err(e) = post(ctx, &job.request, &job.files) {
            let message = not_sent(ctx, &job, &e);
            fail_job(ctx, job.id, message);
        }
    }
    update_pending(ctx);
}

fn post(ctx: Ctx, request: &Request, files: &[(String, File)]) -> Result<(), PostError> {
    ctx.worker.with_value(|worker| match worker {
        Some(worker) => worker.post(request, files),
        None => Err(PostError::NoWorker),
    })
}

/// `job` did not reach the worker: for a record of the batch, a notice says so (its row will show why); returns
/// the message the job fails with.
fn not_sent(ctx: Ctx, job: &Job<File>, error: &PostError) -> String {
    let why = error.to_string();
    if job.target == Target::Row {
        let name = ctx.rows.with_untracked(|rows| rows.iter().find(|r| r.id == job.id).map(|r| r.name.clone()));
        ctx.notice.set(notice::record_not_sent(name.as_deref().unwrap_or("A record"), &why));
    }
    why
}

/// Job `id` failed (in the worker, its files could not be read, or it never reached the worker): its row shows why
/// and the batch goes on, or a notice says what went wrong. The next job is sent.
fn fail_job(ctx: Ctx, id: u64, message: String) {
    match ctx.with_jobs(|jobs| jobs.finish(id)) {
        Some(Target::Row) | None => {
            ctx.rows.update(|rows| {
                rows::set_status(rows, id, RowStatus::Failed(message));
            });
            ctx.progress.update(|p| p.finish(1));
        }
        Some(target) => {
            if let Some(text) = notice::job_failed(target, &message) {
                ctx.notice.set(text);
            }
        }
    }
    pump(ctx);
}

/// Explains example `index` and shows it (ahead of a running batch).
pub(super) fn request_example(ctx: Ctx, index: usize) {
    ctx.with_jobs(|jobs| jobs.push_example(index));
    ctx.example.set(Some(index));
    pump(ctx);
}

/// Explains a finished row again and shows it (ahead of a running batch, like an example).
pub(super) fn open_row(ctx: Ctx, row_id: u64) {
    let Some(files) = ctx.row_files.with_value(|f| f.get(&row_id).cloned()) else { return };
    let options = ctx.rows.with_untracked(|rows| rows.iter().find(|r| r.id == row_id).map(|r| r.options.clone()));
    if ctx.with_jobs(|jobs| jobs.push_open(row_id, files, options.unwrap_or_default())).is_none() {
        return;
    }
    ctx.example.set(None);
    pump(ctx);
}

/// Switches to the user's model (`files`: the .onnx, its card, optionally an atlas) or back to the default.
pub(super) fn switch_model(ctx: Ctx, files: Vec<File>, default: bool) {
    if ctx.pending.get_untracked() > 0 {
        ctx.notice.set(notice::WAIT_FOR_BATCH.into());
        return;
    }
    if let Some(refused) = files.iter().find_map(|f| notice::model_too_large(&f.name(), f.size())) {
        ctx.notice.set(refused);
        return;
    }
    if !default && files.is_empty() {
        return;
    }
    let files: Files = files.into_iter().map(|f| (f.name(), f)).collect();
    ctx.with_jobs(|jobs| jobs.push_model(default, files));
    ctx.notice.set(notice::LOADING_MODEL.into());
    pump(ctx);
}

/// The user answered the questions of row `row_id` (its file does not say its rate, leads or units): the record is
/// read again with the answers; a wrong answer is shown on the row's form instead.
pub(super) fn answer(ctx: Ctx, row_id: u64, answers: &ask::Answers) -> Result<(), String> {
    let Some((questions, previous)) = ctx.rows.with_untracked(|rows| {
        rows.iter().find(|r| r.id == row_id).and_then(|r| match &r.status {
            RowStatus::NeedsInput { questions, .. } => Some((questions.clone(), r.options.clone())),
            _ => None,
        })
    }) else {
        return Ok(());
    };
    let options = ask::to_options(answers, &questions, &previous)?;
    let Some(files) = ctx.row_files.with_value(|f| f.get(&row_id).cloned()) else { return Ok(()) };
    let Some(header) = files.first().map(|(name, _)| name.clone()) else { return Ok(()) };
    ctx.rows.update(|rows| {
        if let Some(row) = rows.iter_mut().find(|r| r.id == row_id) {
            row.options = options.clone();
            row.status = RowStatus::Queued;
        }
    });
    let pending = ctx.pending.get_untracked();
    ctx.progress.update(|p| p.add(pending, 1, 0));
    ctx.with_jobs(|jobs| jobs.push_rows([Job::row_with(row_id, header, files, options)]));
    pump(ctx);
    Ok(())
}

/// The first record of a multi-record file (a NumPy batch, an HDF5 file of exams) says how many it holds: a row
/// and a job for each of the others, read with the same files and answers.
/// Likewise the first window of a long recording: a row for each of its other windows.
fn add_parts(
    ctx: Ctx,
    row_id: u64,
    part: Option<&ecglens_core::signal::Part>,
    window: Option<&ecglens_core::signal::WindowInfo>,
) {
    let Some(row) = ctx.rows.with_untracked(|rows| rows.iter().find(|r| r.id == row_id).cloned()) else { return };
    let Some(files) = ctx.row_files.with_value(|f| f.get(&row_id).cloned()) else { return };
    let Some(header) = files.first().map(|(name, _)| name.clone()) else { return };
    let mut new_rows = part.map(|p| row.other_parts(p, || ctx.next_id())).unwrap_or_default();
    if let Some(w) = window {
        new_rows.extend(row.other_windows(w, || ctx.next_id()));
    }
    if new_rows.is_empty() {
        return;
    }
    let new_jobs: Vec<Job<File>> = new_rows
        .iter()
        .map(|r| {
            ctx.row_files.update_value(|f| {
                f.insert(r.id, files.clone());
            });
            Job::row_with(r.id, header.clone(), files.clone(), r.options.clone())
        })
        .collect();
    let pending = ctx.pending.get_untracked();
    ctx.progress.update(|p| p.add(pending, new_jobs.len(), 0));
    ctx.rows.update(|r| r.extend(new_rows));
    ctx.with_jobs(|jobs| jobs.push_rows(new_jobs));
}

/// Cancels the batch's waiting records (the running one finishes).
pub(super) fn cancel(ctx: Ctx) {
    let cancelled = ctx.with_jobs(|jobs| jobs.cancel_rows());
    ctx.rows.update(|rows| rows::set_cancelled(rows, &cancelled));
    ctx.progress.update(|p| p.finish(cancelled.len()));
    update_pending(ctx);
}

/// New records of the user's: their rows (failed ones included) and the jobs of the others (each with its row's
/// id). `t0`: when the files arrived.
pub(super) fn add_records(ctx: Ctx, new_rows: Vec<Row>, new_jobs: Vec<Job<File>>, t0: f64) {
    if !new_jobs.is_empty() {
        ctx.drop_t0.set_value(Some(t0));
        ctx.show_next.set_value(true);
    }
    let failed_now = new_rows.iter().filter(|r| matches!(r.status, RowStatus::Failed(_))).count();
    let pending = ctx.pending.get_untracked();
    ctx.progress.update(|p| p.add(pending, new_jobs.len(), failed_now));
    ctx.rows.update(|r| r.extend(new_rows));
    ctx.with_jobs(|jobs| jobs.push_rows(new_jobs));
    pump(ctx);
}

fn show(
    ctx: Ctx,
    explanation: Arc<Explanation>,
    patient: Option<Arc<PatientIdentity>>,
    source: Source,
    row: Option<u64>,
) {
    let version = ctx.next_id();
    ctx.view.set(View::default());
    let n_layers = explanation.layers.len();
    if n_layers > 0 && ctx.layer.get_untracked() >= n_layers {
        ctx.layer.set(n_layers - 1);
    }
    ctx.current.set(Some(Shown { explanation, source, row, version, patient }));
}

/// An answer of the worker's (or why one could not be read).
fn on_response(ctx: Ctx, response: Result<Response, String>) {
    let response = match response {
        Ok(r) => r,
        Err(message) => {
            ctx.fatal.set(Some(message));
            return;
        }
    };
    match response {
        Response::Ready(info) => {
            if ctx.test_panic_worker {
                if let Err(e) = post(ctx, &Request::TestPanic, &[]) {
                    ctx.notice.set(e.to_string());
                }
                return;
            }
            let has_examples = !info.examples.is_empty();
            // Default layer: the deepest (last) one.
            ctx.layer.set(info.layers.len().saturating_sub(1));
            ctx.info.set(Some(info));
            if has_examples {
                request_example(ctx, 0);
            } else {
                ctx.notice.set(notice::NO_EXAMPLES.into());
            }
        }
        Response::Explained { id, explanation, patient, elapsed_ms, parse_ms, overview } => {
            // For benchmarks: how long the worker took to read the last file (BENCHMARKS.md, parse times).
            super::draw::set_body_data("parseMs", &format!("{parse_ms:.3}"));
            let target = ctx.with_jobs(|jobs| jobs.finish(id));
            // A long recording's first window brings the whole recording's overview: kept by its row.
            if let Some(overview) = overview {
                let row = match target {
                    Some(Target::Open(row)) => row,
                    _ => id,
                };
                ctx.overviews.update_value(|o| {
                    o.insert(row, Arc::from(overview));
                });
            }
            let explanation: Arc<Explanation> = Arc::from(explanation);
            let patient = patient.map(Arc::new);
            match target {
                Some(Target::Example(index)) => {
                    if ctx.example.get_untracked() == Some(index) {
                        show(ctx, explanation, None, Source::Example, None);
                    }
                }
                Some(Target::Open(row)) => {
                    if ctx.example.get_untracked().is_none() {
                        show(ctx, explanation, patient, Source::UserFile, Some(row));
                    }
                }
                Some(Target::Model) => {}
                Some(Target::Row) | None => {
                    if let Some(source) = explanation.source.as_ref() {
                        add_parts(ctx, id, source.part.as_ref(), source.window.as_ref());
                    }
                    let summary = Arc::new(RowSummary::of(&explanation));
                    ctx.rows.update(|rows| {
                        rows::set_done(rows, id, summary, elapsed_ms);
                    });
                    ctx.progress.update(|p| p.finish(1));
                    let show_next = ctx.show_next.try_update_value(|s| std::mem::replace(s, false)).unwrap_or(false);
                    if show_next || ctx.current.with_untracked(|c| c.is_none()) {
                        ctx.example.set(None);
                        show(ctx, explanation, patient, Source::UserFile, Some(id));
                    }
                }
            }
            pump(ctx);
        }
        Response::ModelLoaded { id, info } => {
            ctx.with_jobs(|jobs| jobs.finish(id));
            let n_layers = info.layers.len();
            ctx.layer.set(ctx.layer.get_untracked().min(n_layers.saturating_sub(1)));
            let loaded = notice::model_loaded(&info);
            ctx.info.set(Some(info));
            ctx.notice.set(loaded);
            // Explain what is on screen again, with the new model.
            let shown_row = ctx.current.with_untracked(|c| c.as_ref().and_then(|s| s.row));
            match (ctx.example.get_untracked(), shown_row) {
                (Some(index), _) => request_example(ctx, index),
                (None, Some(row)) => open_row(ctx, row),
                (None, None) => pump(ctx),
            }
        }
        Response::Failed { id, message } => fail_job(ctx, id, message),
        Response::NeedsInput { id, questions, message } => match ctx.with_jobs(|jobs| jobs.finish(id)) {
            Some(Target::Row) | None => {
                ctx.rows.update(|rows| {
                    rows::set_status(rows, id, RowStatus::NeedsInput { questions, message });
                });
                ctx.progress.update(|p| p.finish(1));
                pump(ctx);
            }
            Some(_) => {
                ctx.notice.set(message);
                pump(ctx);
            }
        },
        Response::Fatal { message } => ctx.fatal.set(Some(message)),
    }
}
