//! The user's records: the drop zone and pickers (`dropzone`, `file-input`, `folder-input`), the progress line
//! (`progress`, `progress-text`, `cancel`) and the batch table (`batch`, `sort-*`, `rows-hidden`), sorted and capped
//! by `ecglens_core::session::sort`.

use leptos::prelude::*;
use web_sys::HtmlInputElement;

use super::ctx::Ctx;
use super::intake::add_files;
use super::jobs::{answer, cancel, open_row};
use crate::files;
use ecglens_core::session::ask::{self, Answers, UNIT_CHOICES};
use ecglens_core::session::sort::{rows_hidden_text, shown_rows};
use ecglens_core::session::{Row, RowStatus, SortKey};
use ecglens_core::signal::Question;

#[component]
pub(super) fn Batch(ctx: Ctx) -> impl IntoView {
    // The file and folder pickers. `webkitdirectory` (a folder picker) has no typed attribute in the view macro.
    let folder_input = NodeRef::<leptos::html::Input>::new();
    folder_input.on_load(|input: HtmlInputElement| input.set_webkitdirectory(true));
    let on_files = move |ev: leptos::ev::Event| {
        let input: HtmlInputElement = event_target(&ev);
        let picked = input.files().map(|list| files::picked_from_list(&list)).unwrap_or_default();
        input.set_value("");
        wasm_bindgen_futures::spawn_local(add_files(ctx, picked));
    };
    // A drop: files and whole folders. The entries must be taken during the event; walking folders is async.
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        let Some(transfer) = ev.data_transfer() else { return };
        let dropped = files::dropped(&transfer);
        wasm_bindgen_futures::spawn_local(async move {
            let mut picked = files::walk(dropped.entries, |text| ctx.notice.set(text)).await;
            picked.extend(dropped.loose);
            add_files(ctx, picked).await;
        });
    };
    view! {
        <section class="files">
            <h2>"Your records"</h2>
            <div class="dropzone" data-testid="dropzone"
                on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default()
                on:drop=on_drop>
                <label>"Drop ECG files or folders of them here (WFDB .hea with its .dat, DICOM, HL7 aECG, GE MUSE XML, Philips XML, SCP-ECG, EDF/BDF, CSV/TSV, NumPy .npy/.npz, MATLAB .mat, HDF5), or choose files: "
                    <input type="file" multiple data-testid="file-input" on:change=on_files />
                </label>
                <label>" or a whole folder: "
                    <input type="file" multiple node_ref=folder_input data-testid="folder-input" on:change=on_files />
                </label>
                <p class="hint">"Files are read in this tab only; nothing is uploaded or stored."</p>
            </div>
            <div class="progress-line">
                <progress data-testid="progress" max=move || ctx.progress.with(|p| p.max().to_string()) value=move || ctx.progress.with(|p| p.done.to_string())></progress>
                <span data-testid="progress-text">{move || ctx.progress.with(|p| p.text())}</span>
                <button data-testid="cancel" disabled=move || ctx.pending.get() == 0 on:click=move |_| cancel(ctx)>"Cancel"</button>
            </div>
            <BatchTable ctx=ctx />
            <p class="hint" data-testid="rows-hidden">{move || rows_hidden_text(ctx.rows.with(|r| r.len()))}</p>
        </section>
    }
}

/// A column header that sorts the table by `key`, with the arrow of the current order.
fn sort_button(ctx: Ctx, key: SortKey, label: &'static str, testid: &'static str) -> impl IntoView {
    view! {
        <button class="sort" data-testid=testid on:click=move |_| ctx.sort.update(|sort| *sort = sort.clicked(key))>
            {label}
            {move || ctx.sort.get().arrow(key)}
        </button>
    }
}

#[component]
fn BatchTable(ctx: Ctx) -> impl IntoView {
    let sorted_rows = move || {
        let sort = ctx.sort.get();
        let layer = ctx.layer.get();
        ctx.rows.with(|rows| shown_rows(rows, sort, layer))
    };
    view! {
        <table class="batch-table">
            <thead><tr>
                <th>{sort_button(ctx, SortKey::Name, "Record", "sort-name")}</th>
                <th>"Format"</th>
                <th>{sort_button(ctx, SortKey::Prediction, "Prediction", "sort-prediction")}</th>
                <th>{sort_button(ctx, SortKey::Entropy, "Mean entropy", "sort-entropy")}</th>
                <th>{sort_button(ctx, SortKey::Disagreement, "Disagreement", "sort-disagreement")}</th>
                <th>"Notes"</th>
                <th>{sort_button(ctx, SortKey::Status, "Status", "sort-status")}</th>
            </tr></thead>
            <tbody data-testid="batch">
                <For each=sorted_rows key=|r: &Row| (r.id, r.status.key(), r.name.clone()) children=move |row: Row| {
                    let summary = row.summary.clone();
                    let pred = row.prediction().to_string();
                    let entropy_summary = summary.clone();
                    let ent = move || {
                        let layer = ctx.layer.get();
                        entropy_summary.as_ref().map(|s| s.entropy_text(layer)).unwrap_or_default()
                    };
                    let dis = summary.as_ref().map(|s| s.disagreement_text()).unwrap_or_default();
                    let status = row.status.label();
                    let key = row.status.key();
                    let done = summary.is_some();
                    let row_id = row.id;
                    let record_attr = row.name.clone();
                    let format = row.format_label();
                    let notes = summary.as_ref().map(|s| s.notes.clone()).unwrap_or_default();
                    let form = match &row.status {
                        RowStatus::NeedsInput { questions, .. } => Some(view! { <AskForm ctx=ctx row_id=row_id questions=questions.clone() /> }),
                        _ => None,
                    };
                    view! {
                        <tr data-testid="batch-row" data-record=record_attr data-status=key
                            class:error=key == "error" class:clickable=done
                            on:click=move |_| if done { open_row(ctx, row_id) }>
                            <td>{row.name}</td><td class="format" data-testid="row-format">{format}</td><td>{pred}</td><td>{ent}</td><td>{dis}</td><td class="notes" data-testid="row-notes">{notes}</td><td class="status">{status}{form}</td>
                        </tr>
                    }
                } />
            </tbody>
        </table>
    }
}

/// The questions of a row whose file does not say its rate, leads or units, each filled with the reader's
/// suggestion (`ask-form`, `ask-rate`, `ask-leads`, `ask-units`, `ask-submit`, `ask-error`).
#[component]
fn AskForm(ctx: Ctx, row_id: u64, questions: Vec<Question>) -> impl IntoView {
    let start = ask::suggested(&questions);
    let rate = RwSignal::new(start.rate.clone());
    let leads = RwSignal::new(start.leads.clone());
    let units = RwSignal::new(start.units.clone());
    let error = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let answers =
            Answers { rate: rate.get_untracked(), leads: leads.get_untracked(), units: units.get_untracked() };
        if let Err(message) = answer(ctx, row_id, &answers) {
            error.set(message);
        }
    };
    let text =
        |signal: RwSignal<Option<String>>| move |ev: leptos::ev::Event| signal.set(Some(event_target_value(&ev)));
    view! {
        <form class="ask" data-testid="ask-form" on:submit=submit on:click=|ev| ev.stop_propagation()>
            {start.rate.is_some().then(|| view! {
                <label>"Sampling rate (Hz) "<input type="number" step="any" data-testid="ask-rate" prop:value=move || rate.get().unwrap_or_default() on:input=text(rate) /></label>
            })}
            {start.leads.is_some().then(|| view! {
                <label>"Leads, in order "<input type="text" data-testid="ask-leads" prop:value=move || leads.get().unwrap_or_default() on:input=text(leads) /></label>
            })}
            {start.units.is_some().then(|| view! {
                <label>"Units "<select data-testid="ask-units" on:change=text(units) prop:value=move || units.get().unwrap_or_default()>
                    {UNIT_CHOICES.iter().map(|(value, label)| view! { <option value=*value>{*label}</option> }).collect_view()}
                </select></label>
            })}
            <button type="submit" data-testid="ask-submit">"Read with these"</button>
            <span class="ask-error" data-testid="ask-error">{move || error.get()}</span>
        </form>
    }
}
