//! The job queue. The worker owns the one engine, so one job at a time goes to it, in an order that keeps the page
//! responsive: an example the user clicks, a record they open again and a model switch go ahead of a batch of
//! records, and a newer click replaces an older one that has not started. Cancelling drops the batch's queued
//! records; the job the worker is running finishes.
//!
//! Generic over the file handle `F` (`web_sys::File` in the page): a job carries handles, and the page reads their
//! bytes only when the job's turn comes.

use std::collections::VecDeque;

use crate::protocol::Request;
use crate::signal::ReadOptions;

/// Where the answer of a finished job goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A bundled example (its index in `ReadyInfo::examples`): shown if it is still the one chosen.
    Example(usize),
    /// A record of the batch: its answer fills the row whose id is the job's.
    Row,
    /// A finished row (its id) the user opened again: its answer is shown.
    Open(u64),
    /// A model switch.
    Model,
}

/// One request for the worker, with the files it needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Job<F> {
    pub id: u64,
    pub target: Target,
    pub request: Request,
    /// Named file handles, read just before the job is sent, so that a folder of thousands of records is never all
    /// in memory at once.
    pub files: Vec<(String, F)>,
}

impl<F> Job<F> {
    /// A record of the batch: `header` names the `.hea` among `files`; the row has the job's `id`.
    pub fn row(id: u64, header: String, files: Vec<(String, F)>) -> Self {
        Self::row_with(id, header, files, ReadOptions::default())
    }

    /// [`Job::row`] with the user's answers (a rate, lead names...) and which record of a multi-record file.
    pub fn row_with(id: u64, header: String, files: Vec<(String, F)>, options: ReadOptions) -> Self {
        Job { id, target: Target::Row, request: Request::Record { id, header, options }, files }
    }
}

/// The jobs waiting for the worker, the one it is running, and the id sequence.
#[derive(Debug)]
pub struct JobQueue<F> {
    queued: VecDeque<Job<F>>,
    running: Option<(u64, Target)>,
    last_id: u64,
}

impl<F> Default for JobQueue<F> {
    fn default() -> Self {
        JobQueue { queued: VecDeque::new(), running: None, last_id: 0 }
    }
}

impl<F> JobQueue<F> {
    pub fn new() -> Self {
        Self::default()
    }

    /// A fresh id, from 1 up. One sequence serves jobs, batch rows and versions of what is shown, so no two of them
    /// share an id, and 0 can mean "nothing drawn yet".
    pub fn next_id(&mut self) -> u64 {
        self.last_id += 1;
        self.last_id
    }

    /// Queues example `index` ahead of everything, in place of any example still waiting. Returns the job's id.
    pub fn push_example(&mut self, index: usize) -> u64 {
        let id = self.next_id();
        self.queued.retain(|job| !matches!(job.target, Target::Example(_)));
        self.queued.push_front(Job {
            id,
            target: Target::Example(index),
            request: Request::Example { id, index },
            files: vec![],
        });
        id
    }

    /// Queues row `row` to be explained again from its `files` (its header first), ahead of everything, in place of
    /// any example or reopened row still waiting. None (and nothing queued) when there are no files.
    pub fn push_open(&mut self, row: u64, files: Vec<(String, F)>, options: ReadOptions) -> Option<u64> {
        let header = files.first().map(|(name, _)| name.clone())?;
        let id = self.next_id();
        self.queued.retain(|job| !matches!(job.target, Target::Example(_) | Target::Open(_)));
        self.queued.push_front(Job {
            id,
            target: Target::Open(row),
            request: Request::Record { id, header, options },
            files,
        });
        Some(id)
    }

    /// Queues a model switch ahead of everything: the user's model from `files`, or the default one when `default`.
    pub fn push_model(&mut self, default: bool, files: Vec<(String, F)>) -> u64 {
        let id = self.next_id();
        self.queued.push_front(Job { id, target: Target::Model, request: Request::LoadModel { id, default }, files });
        id
    }

    /// Queues records of the batch ([`Job::row`]) after everything already waiting.
    pub fn push_rows(&mut self, jobs: impl IntoIterator<Item = Job<F>>) {
        self.queued.extend(jobs);
    }

    /// The next job for the worker, if it is idle: from now on that job is running.
    pub fn start_next(&mut self) -> Option<Job<F>> {
        if self.running.is_some() {
            return None;
        }
        let job = self.queued.pop_front()?;
        self.running = Some((job.id, job.target));
        Some(job)
    }

    /// Job `id` is finished (answered, failed or never sent): the worker is idle again. Returns where its answer goes,
    /// None if `id` is not the running job (then nothing changes).
    pub fn finish(&mut self, id: u64) -> Option<Target> {
        match self.running {
            Some((running, target)) if running == id => {
                self.running = None;
                Some(target)
            }
            _ => None,
        }
    }

    /// Drops the batch's waiting records and returns their ids. Examples, reopened rows, model switches and the
    /// running job are left alone.
    pub fn cancel_rows(&mut self) -> Vec<u64> {
        let cancelled = self.queued.iter().filter(|job| job.target == Target::Row).map(|job| job.id).collect();
        self.queued.retain(|job| job.target != Target::Row);
        cancelled
    }

    /// Jobs waiting or running.
    pub fn pending(&self) -> usize {
        self.queued.len() + usize::from(self.running.is_some())
    }

    /// The running job's id and target.
    pub fn running(&self) -> Option<(u64, Target)> {
        self.running
    }

    /// The waiting jobs, next first.
    pub fn queued(&self) -> impl Iterator<Item = &Job<F>> {
        self.queued.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A queue of `n` batch records (`r0.hea`, `r1.hea`, ...); returns their ids.
    fn with_rows(queue: &mut JobQueue<()>, n: usize) -> Vec<u64> {
        let ids: Vec<u64> = (0..n).map(|_| queue.next_id()).collect();
        queue.push_rows(
            ids.iter().enumerate().map(|(i, id)| Job::row(*id, format!("r{i}.hea"), vec![(format!("r{i}.hea"), ())])),
        );
        ids
    }

    fn targets(queue: &JobQueue<()>) -> Vec<Target> {
        queue.queued().map(|job| job.target).collect()
    }

    #[test]
    fn ids_start_at_one_and_never_repeat() {
        let mut queue = JobQueue::<()>::new();
        assert_eq!(queue.next_id(), 1);
        let example = queue.push_example(0);
        let model = queue.push_model(true, vec![]);
        let open = queue.push_open(1, vec![("a.hea".into(), ())], ReadOptions::default());
        assert_eq!((example, model, open), (2, 3, Some(4)));
        assert_eq!(queue.next_id(), 5);
    }

    #[test]
    fn rows_run_in_order_one_at_a_time() {
        let mut queue = JobQueue::<()>::new();
        let ids = with_rows(&mut queue, 3);
        assert_eq!(queue.pending(), 3);
        let first = queue.start_next().unwrap();
        assert_eq!(first.id, ids[0]);
        assert_eq!(
            first.request,
            Request::Record { id: ids[0], header: "r0.hea".into(), options: ReadOptions::default() }
        );
        assert!(queue.start_next().is_none(), "the worker is busy");
        assert_eq!(queue.pending(), 3, "two waiting, one running");
        assert_eq!(queue.finish(ids[0]), Some(Target::Row));
        assert_eq!(queue.start_next().map(|j| j.id), Some(ids[1]));
        assert_eq!(queue.finish(ids[1]), Some(Target::Row));
        assert_eq!(queue.start_next().map(|j| j.id), Some(ids[2]));
        assert_eq!(queue.finish(ids[2]), Some(Target::Row));
        assert!(queue.start_next().is_none());
        assert_eq!(queue.pending(), 0);
    }

    #[test]
    fn finishing_another_job_than_the_running_one_changes_nothing() {
        let mut queue = JobQueue::<()>::new();
        let ids = with_rows(&mut queue, 2);
        queue.start_next();
        assert_eq!(queue.finish(ids[1]), None);
        assert_eq!(queue.finish(999), None);
        assert_eq!(queue.running(), Some((ids[0], Target::Row)));
        assert_eq!(queue.finish(ids[0]), Some(Target::Row));
        assert_eq!(queue.finish(ids[0]), None, "finished once");
    }

    #[test]
    fn an_example_jumps_ahead_and_replaces_a_waiting_example() {
        let mut queue = JobQueue::<()>::new();
        with_rows(&mut queue, 2);
        queue.push_example(3);
        let latest = queue.push_example(4);
        assert_eq!(targets(&queue), [Target::Example(4), Target::Row, Target::Row]);
        let next = queue.start_next().unwrap();
        assert_eq!(next.request, Request::Example { id: latest, index: 4 });
        assert!(next.files.is_empty());
    }

    #[test]
    fn a_reopened_row_replaces_waiting_examples_and_reopened_rows() {
        let mut queue = JobQueue::<()>::new();
        let ids = with_rows(&mut queue, 1);
        queue.push_example(0);
        queue.push_open(ids[0], vec![("r0.hea".into(), ())], ReadOptions::default());
        let id = queue
            .push_open(ids[0], vec![("r0.hea".into(), ()), ("r0.dat".into(), ())], ReadOptions::default())
            .unwrap();
        assert_eq!(targets(&queue), [Target::Open(ids[0]), Target::Row]);
        let next = queue.start_next().unwrap();
        assert_eq!(next.request, Request::Record { id, header: "r0.hea".into(), options: ReadOptions::default() });
        assert_eq!(next.files.len(), 2);
        assert_eq!(queue.finish(id), Some(Target::Open(ids[0])));
    }

    #[test]
    fn a_row_without_files_cannot_be_reopened() {
        let mut queue = JobQueue::<()>::new();
        queue.push_example(0);
        assert_eq!(queue.push_open(7, vec![], ReadOptions::default()), None);
        assert_eq!(targets(&queue), [Target::Example(0)], "nothing replaced");
    }

    #[test]
    fn a_model_switch_goes_first_but_replaces_nothing() {
        let mut queue = JobQueue::<()>::new();
        with_rows(&mut queue, 1);
        queue.push_example(0);
        let id = queue.push_model(false, vec![("m.onnx".into(), ())]);
        assert_eq!(targets(&queue), [Target::Model, Target::Example(0), Target::Row]);
        assert_eq!(queue.start_next().map(|j| j.request), Some(Request::LoadModel { id, default: false }));
        // An example clicked while the model loads goes before what is left.
        queue.push_example(1);
        assert_eq!(targets(&queue), [Target::Example(1), Target::Row]);
    }

    #[test]
    fn cancel_drops_waiting_rows_only() {
        let mut queue = JobQueue::<()>::new();
        let ids = with_rows(&mut queue, 4);
        queue.start_next();
        queue.push_example(0);
        assert_eq!(queue.cancel_rows(), ids[1..].to_vec());
        assert_eq!(targets(&queue), [Target::Example(0)]);
        assert_eq!(queue.running(), Some((ids[0], Target::Row)), "the running record finishes");
        assert_eq!(queue.pending(), 2);
        assert_eq!(queue.finish(ids[0]), Some(Target::Row));
        assert!(queue.cancel_rows().is_empty(), "nothing left to cancel");
    }

    #[test]
    fn rows_added_later_wait_behind_the_first_batch() {
        let mut queue = JobQueue::<()>::new();
        let first = with_rows(&mut queue, 2);
        let second = with_rows(&mut queue, 2);
        let order: Vec<u64> = queue.queued().map(|j| j.id).collect();
        assert_eq!(order, [first, second].concat());
    }
}
