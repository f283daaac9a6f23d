//! The user's files: from the pickers and from drops (whole folders walked with the File and Directory Entries
//! API), and their bytes, read only when needed. Grouping them into records is `ecglens_core::batch`.

use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DataTransfer, File, FileList, FileSystemDirectoryEntry, FileSystemEntry, FileSystemFileEntry};

use crate::js_error_text;
use ecglens_core::batch::PickedFile;
use ecglens_core::session::notice;

/// A dropped folder deeper or larger than this is cut short (with a notice), so a stray drop of a home folder
/// cannot freeze the tab.
const MAX_DROPPED_FILES: usize = 100_000;

/// A file the user chose or dropped, with where it was found.
pub struct Picked {
    pub meta: PickedFile,
    pub file: File,
}

fn size_bytes(file: &File) -> u64 {
    file.size().max(0.0) as u64
}

fn loose(file: File) -> Picked {
    Picked { meta: PickedFile::loose(&file.name(), size_bytes(&file)), file }
}

/// From a file list (a picker). Files of a folder picker carry their `webkitRelativePath`.
pub fn picked_from_list(list: &FileList) -> Vec<Picked> {
    (0..list.length())
        .filter_map(|i| list.get(i))
        .map(|file| {
            let relative = js_sys::Reflect::get(&file, &"webkitRelativePath".into()).ok().and_then(|v| v.as_string());
            match relative.filter(|r| !r.is_empty()) {
                Some(path) => Picked { meta: PickedFile::in_folder(&path, size_bytes(&file)), file },
                None => loose(file),
            }
        })
        .collect()
}

/// What a drop holds: entries to walk (files and folders), and loose files that came without one.
pub struct Dropped {
    pub entries: Vec<FileSystemEntry>,
    pub loose: Vec<Picked>,
}

/// Takes a drop's entries. It must run during the drop event: the entries are gone once it returns.
pub fn dropped(transfer: &DataTransfer) -> Dropped {
    let items = transfer.items();
    let mut entries = Vec::new();
    let mut loose_files = Vec::new();
    for i in 0..items.length() {
        let Some(item) = items.get(i) else { continue };
        if item.kind() != "file" {
            continue;
        }
        match item.webkit_get_as_entry() {
            Ok(Some(entry)) => entries.push(entry),
            // No entry (e.g. a DataTransfer built by a script): the plain file.
            _ => {
                if let Ok(Some(file)) = item.get_as_file() {
                    loose_files.push(loose(file));
                }
            }
        }
    }
    if entries.is_empty() && loose_files.is_empty() {
        if let Some(list) = transfer.files() {
            loose_files = picked_from_list(&list);
        }
    }
    Dropped { entries, loose: loose_files }
}

/// Walks dropped entries down to their files. `notice` hears of a folder that could not be read, or of a drop cut
/// short at [`MAX_DROPPED_FILES`].
pub async fn walk(entries: Vec<FileSystemEntry>, notice: impl Fn(String)) -> Vec<Picked> {
    let mut out = Vec::new();
    let mut stack: Vec<(FileSystemEntry, bool)> = entries.into_iter().map(|e| (e, false)).collect();
    while let Some((entry, in_folder)) = stack.pop() {
        if out.len() >= MAX_DROPPED_FILES {
            notice(notice::folders_cut_short(MAX_DROPPED_FILES));
            break;
        }
        if entry.is_directory() {
            let (children, error) = read_folder(entry.unchecked_ref()).await;
            stack.extend(children.into_iter().map(|child| (child, true)));
            if let Some(why) = error {
                notice(notice::folder_unreadable(&entry.full_path(), &why));
            }
        } else if entry.is_file() {
            if let Ok(file) = entry_file(entry.unchecked_ref()).await {
                let meta = if in_folder {
                    PickedFile::in_folder(&entry.full_path(), size_bytes(&file))
                } else {
                    PickedFile::loose(&file.name(), size_bytes(&file))
                };
                out.push(Picked { meta, file });
            }
        }
    }
    out
}

/// A folder's entries: `readEntries` returns them in batches until an empty one. On an error, the entries read
/// before it, and why.
async fn read_folder(folder: &FileSystemDirectoryEntry) -> (Vec<FileSystemEntry>, Option<String>) {
    let reader = folder.create_reader();
    let mut children = Vec::new();
    loop {
        let batch = js_sys::Promise::new(&mut |resolve, reject| {
            let on_error = web_sys::ErrorCallback::new();
            on_error.set_handle_event(&reject);
            if let Err(e) = reader.read_entries_with_callback_and_error_callback(&resolve, &on_error) {
                // Calling a promise's own reject function cannot fail.
                reject.call1(&JsValue::NULL, &e).ok();
            }
        });
        match JsFuture::from(batch).await {
            Ok(list) => {
                let list: Array = list.unchecked_into();
                if list.length() == 0 {
                    return (children, None);
                }
                children.extend(list.iter().map(|e| e.unchecked_into::<FileSystemEntry>()));
            }
            Err(e) => return (children, Some(js_error_text(&e))),
        }
    }
}

async fn entry_file(entry: &FileSystemFileEntry) -> Result<File, JsValue> {
    let file = js_sys::Promise::new(&mut |resolve, reject| {
        let on_error = web_sys::ErrorCallback::new();
        on_error.set_handle_event(&reject);
        entry.file_with_callback_and_error_callback(&resolve, &on_error);
    });
    Ok(JsFuture::from(file).await?.unchecked_into())
}

/// The bytes of `file` (called `name` in messages).
pub async fn read(name: &str, file: &File) -> Result<Vec<u8>, String> {
    let buffer =
        JsFuture::from(file.array_buffer()).await.map_err(|e| notice::file_unreadable(name, &js_error_text(&e)))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// The first `n` bytes of `file` (all of it when shorter): what sniffing its format needs.
pub async fn read_head(name: &str, file: &File, n: usize) -> Result<Vec<u8>, String> {
    let end = i32::try_from(n).unwrap_or(i32::MAX);
    let head = file.slice_with_i32_and_i32(0, end).map_err(|e| notice::file_unreadable(name, &js_error_text(&e)))?;
    let buffer =
        JsFuture::from(head.array_buffer()).await.map_err(|e| notice::file_unreadable(name, &js_error_text(&e)))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}
