//! The browser entry point: panic hook, mount.

fn main() {
    // A panic's message in the console. (console_error_panic_hook also makes
    // a JavaScript stack trace, 1 KB of the page's wasm budget.)
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&info.to_string().into());
    }));
    leptos::mount::mount_to_body(leaklens_web::App);
}
