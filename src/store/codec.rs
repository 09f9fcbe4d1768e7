//! Encoding of table values. Decoding never panics: a corrupt record is an
//! error naming its table.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Error;

pub fn encode<T: Serialize>(table: &'static str, value: &T) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(value).map_err(|e| Error::Corrupt {
        table,
        detail: e.to_string(),
    })
}

pub fn decode<T: DeserializeOwned>(table: &'static str, bytes: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(bytes).map_err(|e| Error::Corrupt {
        table,
        detail: e.to_string(),
    })
}
