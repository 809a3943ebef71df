//! Compile proof: written against the old crate; fails to compile against the new one.

pub fn client() -> Result<widgets::Client, widgets::Error> {
    widgets::Client::builder("https://api.example.com/v1").bearer("t0ken").build()
}
