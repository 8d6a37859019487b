//! Object storage inputs: `s3://BUCKET/KEY` names one object,
//! `s3://BUCKET/PREFIX` (or any URL that is not an object) every object
//! under it. Credentials, region and endpoint come from the standard AWS
//! environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_SESSION_TOKEN`, `AWS_REGION`, `AWS_ENDPOINT_URL` for S3-compatible
//! stores; an `http://` endpoint, a store on the same host, is allowed).
//!
//! An object is copied with ranged GETs (four at a time), each conditional on the entity tag
//! seen first (an object replaced mid-read is an error, not a mix of two
//! versions), into an unnamed temporary file readable by this process only,
//! which is then mapped like any file: memory stays bounded whatever the
//! object's size, and the disk holds one object per worker at a time.

use futures::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt};
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;

/// The scheme of object URLs.
pub const SCHEME: &str = "s3://";

/// Bytes fetched by one ranged GET.
const RANGE: u64 = 16 << 20;

/// Ranged GETs of one object in flight at once: one connection to an
/// object store rarely carries more than about 100 MB/s.
const PARALLEL_RANGES: usize = 4;

/// Whether `path` is an object URL rather than a local path.
pub fn is_object_url(path: &Path) -> bool {
    path.to_str().is_some_and(|p| p.starts_with(SCHEME))
}

/// One object found under a URL.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Listed {
    /// Its URL, `s3://BUCKET/KEY`.
    pub url: String,
    /// Its size in bytes.
    pub size: u64,
}

/// Bucket and key (or prefix) of an object URL.
fn parse(url: &Path) -> io::Result<(String, String)> {
    let text = url
        .to_str()
        .and_then(|u| u.strip_prefix(SCHEME))
        .ok_or_else(|| io::Error::other("not an s3:// URL"))?;
    let (bucket, key) = text.split_once('/').unwrap_or((text, ""));
    if bucket.is_empty() {
        return Err(io::Error::other(
            "an s3:// URL needs a bucket: s3://BUCKET/KEY",
        ));
    }
    Ok((bucket.to_string(), key.to_string()))
}

/// The store of `bucket`, configured from the AWS environment.
fn store(bucket: &str) -> io::Result<AmazonS3> {
    let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
    let endpoint = std::env::var("AWS_ENDPOINT_URL")
        .or_else(|_| std::env::var("AWS_ENDPOINT"))
        .unwrap_or_default();
    if endpoint.starts_with("http://") {
        builder = builder.with_allow_http(true);
    }
    if std::env::var_os("AWS_REGION").is_none()
        && let Ok(region) = std::env::var("AWS_DEFAULT_REGION")
    {
        builder = builder.with_region(region);
    }
    builder
        .build()
        .map_err(|e| io::Error::other(format!("configuring S3 access: {e}")))
}

/// A runtime for one blocking call into the asynchronous client.
fn runtime() -> io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

/// An object key as the client takes it, unchanged.
fn object_path(key: &str) -> ObjectPath {
    ObjectPath::parse(key).unwrap_or_else(|_| ObjectPath::from(key))
}

/// Turn a client error into an I/O error naming the URL.
fn failed(url: &str, e: object_store::Error) -> io::Error {
    let kind = match e {
        object_store::Error::NotFound { .. } => io::ErrorKind::NotFound,
        _ => io::ErrorKind::Other,
    };
    io::Error::new(kind, format!("{url}: {e}"))
}

/// The objects `url` names: the object itself when the key is one,
/// otherwise every object under it as a prefix (sorted by key). Nothing
/// there is an error.
pub fn list(url: &Path) -> io::Result<Vec<Listed>> {
    let (bucket, key) = parse(url)?;
    let store = store(&bucket)?;
    let shown = url.display().to_string();
    runtime()?.block_on(async {
        if !key.is_empty() && !key.ends_with('/') {
            match store.head(&object_path(&key)).await {
                Ok(meta) => {
                    return Ok(vec![Listed {
                        url: shown,
                        size: meta.size,
                    }]);
                }
                Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(failed(&shown, e)),
            }
        }
        let prefix = key.trim_end_matches('/');
        let prefix = (!prefix.is_empty()).then(|| object_path(prefix));
        let mut objects = store.list(prefix.as_ref());
        let mut out = Vec::new();
        while let Some(meta) = objects.next().await {
            let meta = meta.map_err(|e| failed(&shown, e))?;
            out.push(Listed {
                url: format!("{SCHEME}{bucket}/{}", meta.location.as_ref()),
                size: meta.size,
            });
        }
        if out.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{shown}: no object there or under it"),
            ));
        }
        out.sort();
        Ok(out)
    })
}

/// Copy the object at `url` into an unnamed temporary file; returns the
/// file and the object's size.
pub fn fetch(url: &Path) -> io::Result<(File, u64)> {
    let (bucket, key) = parse(url)?;
    let store = store(&bucket)?;
    let shown = url.display().to_string();
    let file = tempfile::tempfile()?;
    let path = object_path(&key);
    let size = runtime()?.block_on(async {
        let meta = store.head(&path).await.map_err(|e| failed(&shown, e))?;
        let ranges: Vec<(u64, u64)> = (0..meta.size.div_ceil(RANGE))
            .map(|i| (i * RANGE, ((i + 1) * RANGE).min(meta.size)))
            .collect();
        let fetches = ranges.into_iter().map(|(from, to)| {
            let (store, path, file, shown) = (&store, &path, &file, &shown);
            let options = GetOptions {
                range: Some(GetRange::Bounded(from..to)),
                if_match: meta.e_tag.clone(),
                ..GetOptions::default()
            };
            async move {
                let got = store
                    .get_opts(path, options)
                    .await
                    .map_err(|e| failed(shown, e))?;
                let mut at = from;
                let mut stream = got.into_stream();
                while let Some(chunk) = stream.next().await {
                    let chunk = chunk.map_err(|e| failed(shown, e))?;
                    if at + chunk.len() as u64 > to {
                        return Err(io::Error::other(format!(
                            "{shown}: the store sent more bytes than asked for"
                        )));
                    }
                    file.write_all_at(&chunk, at)?;
                    at += chunk.len() as u64;
                }
                if at < to {
                    return Err(io::Error::other(format!(
                        "{shown}: the object ended at {at} bytes, {to} were expected (cut short while read)"
                    )));
                }
                Ok::<(), io::Error>(())
            }
        });
        let mut running = futures::stream::iter(fetches).buffer_unordered(PARALLEL_RANGES);
        while let Some(done) = running.next().await {
            done?;
        }
        Ok::<u64, io::Error>(meta.size)
    })?;
    Ok((file, size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_a_bucket_and_a_key() {
        assert!(is_object_url(Path::new("s3://b/k")));
        assert!(!is_object_url(Path::new("./s3:/b")));
        assert_eq!(
            parse(Path::new("s3://bucket/dumps/a.dmp")).unwrap(),
            ("bucket".to_string(), "dumps/a.dmp".to_string())
        );
        assert_eq!(
            parse(Path::new("s3://bucket")).unwrap(),
            ("bucket".to_string(), String::new())
        );
        assert!(parse(Path::new("s3:///key")).is_err());
    }
}
