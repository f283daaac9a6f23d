//! The offline copy of the site: registers `sw.js` (www/sw.js), which stores the site's own files so the app opens
//! without a network, and offers a newer build when one is stored. The words are
//! `ecglens_core::session::OfflineStatus`.

use js_sys::Reflect;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{ServiceWorkerContainer, ServiceWorkerRegistration, ServiceWorkerState};

use crate::js_error_text;
use ecglens_core::session::OfflineStatus;

/// The offline copy's status, and the registration once there is one.
#[derive(Clone, Copy)]
pub struct OfflineCopy {
    pub status: RwSignal<OfflineStatus>,
    registration: StoredValue<Option<ServiceWorkerRegistration>, LocalStorage>,
}

impl OfflineCopy {
    pub fn new() -> Self {
        OfflineCopy { status: RwSignal::new(OfflineStatus::Pending), registration: StoredValue::new_local(None) }
    }

    /// Registers the service worker; `status` becomes `Ready` once the browser has installed and activated it,
    /// i.e. every file is stored.
    pub fn register(self) {
        let status = self.status;
        let Some(window) = web_sys::window() else { return };
        let navigator = window.navigator();
        // Absent on insecure origins (plain http other than localhost) and in some private modes.
        if !Reflect::has(&navigator, &JsValue::from_str("serviceWorker")).unwrap_or(false) {
            status.set(OfflineStatus::Unavailable("this browser or origin has no service workers".into()));
            return;
        }
        let container = navigator.service_worker();
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(e) = JsFuture::from(container.register("./sw.js")).await {
                status.set(OfflineStatus::Unavailable(js_error_text(&e)));
                return;
            }
            match container.ready().map(JsFuture::from) {
                Ok(ready) => match ready.await {
                    Ok(registration) => {
                        status.set(OfflineStatus::Ready);
                        self.watch_for_updates(&container, registration.unchecked_into());
                    }
                    Err(e) => status.set(OfflineStatus::Unavailable(js_error_text(&e))),
                },
                Err(e) => status.set(OfflineStatus::Unavailable(js_error_text(&e))),
            }
        });
    }

    /// Notices a newer build of the site: the browser checks `sw.js` on navigation (or when asked), installs the
    /// new one beside this tab's, and it waits. `status` then becomes `UpdateReady` and the footer offers to switch.
    fn watch_for_updates(self, container: &ServiceWorkerContainer, registration: ServiceWorkerRegistration) {
        let status = self.status;
        // A worker waiting while this tab is controlled by another one is an update (on the first visit nothing is).
        let has_controller = {
            let container = container.clone();
            move || container.controller().is_some()
        };
        if registration.waiting().is_some() && has_controller() {
            status.set(OfflineStatus::UpdateReady);
        }
        let reg = registration.clone();
        let on_update_found = Closure::<dyn FnMut()>::new(move || {
            let Some(installing) = reg.installing() else { return };
            let worker = installing.clone();
            let has_controller = has_controller.clone();
            let on_state = Closure::<dyn FnMut()>::new(move || {
                if worker.state() == ServiceWorkerState::Installed && has_controller() {
                    status.set(OfflineStatus::UpdateReady);
                }
            });
            installing.set_onstatechange(Some(on_state.as_ref().unchecked_ref()));
            on_state.forget();
        });
        registration.set_onupdatefound(Some(on_update_found.as_ref().unchecked_ref()));
        on_update_found.forget();
        self.registration.set_value(Some(registration));
    }

    /// "Use the new version": the waiting service worker takes over, then this tab reloads into the new build.
    pub fn use_new_version(self) {
        let Some(window) = web_sys::window() else { return };
        let Some(waiting) = self.registration.with_value(|r| r.as_ref().and_then(|reg| reg.waiting())) else {
            return;
        };
        let container = window.navigator().service_worker();
        let reload = Closure::<dyn FnMut()>::new(move || {
            if let Some(w) = web_sys::window() {
                // Harmless if it fails: this tab goes on with the build it has, and the next visit opens the new one.
                w.location().reload().ok();
            }
        });
        container.set_oncontrollerchange(Some(reload.as_ref().unchecked_ref()));
        reload.forget();
        // Harmless if it fails: the waiting worker takes over anyway once every tab of the old build is closed.
        waiting.post_message(&JsValue::from_str("ecglens-update")).ok();
    }
}

impl Default for OfflineCopy {
    fn default() -> Self {
        Self::new()
    }
}
