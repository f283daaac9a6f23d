//! The user's files become records: the WFDB headers among them are read, every other file (but signal and
//! annotation files) is sniffed from its first bytes (`ecglens_core::signal::sniff`), `ecglens_core::batch::plan`
//! groups the files into records, and each record gets a row and a job. Whole files are read only when their
//! record's turn comes.

use leptos::prelude::*;

use super::ctx::{Ctx, Files};
use super::draw::now_ms;
use super::jobs;
use crate::files::{self, Picked};
use ecglens_core::batch::{
    self, header_signal_files, header_size_problem, is_header, needs_sniffing, FileKind, PickedFile, Planned,
};
use ecglens_core::session::{notice, Job, Row};
use ecglens_core::signal::sniff::{sniff, Sniffed, SNIFF_BYTES};

/// Queues the records among `picked` (files the user chose or dropped).
pub(super) async fn add_files(ctx: Ctx, picked: Vec<Picked>) {
    let t0 = now_ms();
    let metas: Vec<PickedFile> = picked.iter().map(|p| p.meta.clone()).collect();
    let mut kinds: Vec<FileKind> = vec![FileKind::NotRead; picked.len()];
    let mut rows = Vec::new();
    for (i, p) in picked.iter().enumerate() {
        if needs_sniffing(&p.meta.name) {
            match files::read_head(&p.meta.name, &p.file, SNIFF_BYTES).await {
                Ok(head) => {
                    kinds[i] = match sniff(&p.meta.name, &head, p.meta.size_bytes) {
                        Sniffed::Known(format) => FileKind::Single(format),
                        Sniffed::Unknown { looks_like } => FileKind::Unrecognised { looks_like },
                    }
                }
                Err(message) => rows.push(Row::failed(ctx.next_id(), &p.meta.name, message)),
            }
            continue;
        }
        if !is_header(&p.meta.name) {
            continue;
        }
        if let Some(message) = header_size_problem(&p.meta) {
            rows.push(Row::failed(ctx.next_id(), &p.meta.name, message));
            continue;
        }
        match files::read(&p.meta.name, &p.file).await {
            Ok(header) => kinds[i] = FileKind::WfdbHeader(header_signal_files(&header)),
            Err(message) => rows.push(Row::failed(ctx.next_id(), &p.meta.name, message)),
        }
    }
    let plan = batch::plan(&metas, &kinds);
    let mut new_jobs = Vec::new();
    for planned in plan.planned {
        match planned {
            Planned::Record { record, header, files, format } => {
                let id = ctx.next_id();
                // Indices from the plan are into `picked`.
                let named = |i: usize| picked.get(i).map(|p| (p.meta.name.clone(), p.file.clone()));
                let files: Files = std::iter::once(header).chain(files).filter_map(named).collect();
                let Some(header_name) = files.first().map(|(name, _)| name.clone()) else { continue };
                ctx.row_files.update_value(|f| {
                    f.insert(id, files.clone());
                });
                rows.push(Row::queued(id, &record).with_format(format));
                new_jobs.push(Job::row(id, header_name, files));
            }
            Planned::Rejected { record, message, .. } => rows.push(Row::failed(ctx.next_id(), &record, message)),
        }
    }
    if plan.ignored_in_folders > 0 {
        ctx.notice.set(notice::ignored_in_folders(plan.ignored_in_folders));
    }
    jobs::add_records(ctx, rows, new_jobs, t0);
}
