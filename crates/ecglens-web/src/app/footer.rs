//! The footer: the version, the privacy line, and the offline copy (`offline`, `update`).

use leptos::prelude::*;

use super::ctx::Ctx;
use crate::export;
use ecglens_core::session::OfflineStatus;

#[component]
pub(super) fn Footer(ctx: Ctx) -> impl IntoView {
    let offline = ctx.offline;
    view! {
        <footer>
            <p>
                {format!("ecglens {} · no network request after load · no data leaves this tab · ", export::APP_VERSION)}
                <span data-testid="offline">{move || offline.status.with(OfflineStatus::label)}</span>
                <button class="update" data-testid="update" hidden=move || offline.status.with(|o| *o != OfflineStatus::UpdateReady)
                    on:click=move |_| offline.use_new_version()>"Use the new version"</button>
            </p>
        </footer>
    }
}
