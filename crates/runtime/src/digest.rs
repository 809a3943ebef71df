//! Credential digests some vendors want instead of a password.

use md5::{Digest, Md5};

use crate::secret::Secret;

/// The md5 hex digest of `lowercase(username):password`: what Kazoo's
/// user login takes as `credentials` instead of the password itself.
pub fn md5_user_password(username: &str, password: &Secret) -> Secret {
    let mut hasher = Md5::new();
    hasher.update(username.to_lowercase().as_bytes());
    hasher.update(b":");
    hasher.update(password.expose().as_bytes());
    let digest = hasher.finalize();
    let mut hex = String::with_capacity(32);
    for byte in digest.iter() {
        hex.push(char::from_digit(u32::from(byte >> 4), 16).unwrap_or('0'));
        hex.push(char::from_digit(u32::from(byte & 0xf), 16).unwrap_or('0'));
    }
    Secret::new(hex)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_of_lowercase_user_and_password() {
        // Reference values, as `printf 'a:b' | md5sum` prints them.
        assert_eq!(
            md5_user_password("", &Secret::new("")).expose(),
            "853ae90f0351324bd73ea615e6487517" // md5(":")
        );
        assert_eq!(
            md5_user_password("A", &Secret::new("b")).expose(),
            md5_user_password("a", &Secret::new("b")).expose(),
            "the user name is lower-cased"
        );
        assert_eq!(
            md5_user_password("a", &Secret::new("b")).expose(),
            "d8160c9b3dc20d4e931aeb4f45262155" // md5("a:b")
        );
        assert_ne!(
            md5_user_password("a", &Secret::new("B")).expose(),
            md5_user_password("a", &Secret::new("b")).expose(),
            "the password is not"
        );
    }
}
