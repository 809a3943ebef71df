//! Compile proof: written against the old crate; compiles against the new one.

pub fn client() -> Result<widgets::Client, widgets::Error> {
    widgets::Client::builder("https://api.example.com/v1").api_key("k3y").build()
}
