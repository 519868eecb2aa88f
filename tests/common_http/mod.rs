//! A recording HTTP server on 127.0.0.1 for the notification tests: it keeps every request
//! (method, path, query, body) and answers each by a script — a robot's `{"errcode":0}`, an
//! HTTP error, a robot's refusal, or silence past the client's timeout.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: String,
    pub body: String,
}

impl Request {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("request body is not JSON ({e}): {}", self.body))
    }

    /// A query parameter's raw (still percent-encoded) value.
    pub fn param(&self, name: &str) -> Option<String> {
        self.query.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            (key == name).then(|| value.to_string())
        })
    }
}

/// How the server answers one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// 200 `{"errcode":0,"errmsg":"ok"}`.
    Ok,
    /// An HTTP status with an empty JSON body.
    Status(u16),
    /// 200 with a robot's refusal.
    Errcode(i64),
    /// Answers nothing for this long, then 200 (the client has given up by then).
    Hang(Duration),
    /// 200 after a pause (to widen races).
    Slow(Duration),
}

/// The server; it lives until the test process ends.
#[derive(Clone)]
pub struct Server {
    pub url: String,
    requests: Arc<Mutex<Vec<Request>>>,
    script: Arc<Mutex<VecDeque<Reply>>>,
    default: Arc<Mutex<Reply>>,
}

impl Server {
    /// Answers by `script`, then `Ok` for every request after it.
    pub fn start(script: &[Reply]) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let url = format!("http://{}", listener.local_addr().expect("local addr"));
        let server = Server {
            url,
            requests: Arc::default(),
            script: Arc::new(Mutex::new(script.iter().copied().collect())),
            default: Arc::new(Mutex::new(Reply::Ok)),
        };
        let handle = server.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let handle = handle.clone();
                std::thread::spawn(move || handle.serve(stream));
            }
        });
        server
    }

    /// The answer to every request once the script has run out.
    pub fn answer_from_now(&self, reply: Reply) {
        *self.default.lock().unwrap() = reply;
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    /// Waits until at least `count` requests came in; panics after `limit`.
    pub fn wait_for(&self, count: usize, limit: Duration) -> Vec<Request> {
        let start = Instant::now();
        loop {
            let requests = self.requests();
            if requests.len() >= count {
                return requests;
            }
            assert!(
                start.elapsed() < limit,
                "waited {limit:?} for {count} requests, got {}",
                requests.len()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn serve(&self, stream: TcpStream) {
        let Some(request) = read_request(&stream) else {
            return;
        };
        self.requests.lock().unwrap().push(request);
        let reply = self
            .script
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or(*self.default.lock().unwrap());
        let (status, body) = match reply {
            Reply::Ok => (200, r#"{"errcode":0,"errmsg":"ok"}"#.to_string()),
            Reply::Status(status) => (status, "{}".to_string()),
            Reply::Errcode(code) => (200, format!(r#"{{"errcode":{code},"errmsg":"refused"}}"#)),
            Reply::Hang(pause) | Reply::Slow(pause) => {
                std::thread::sleep(pause);
                (200, r#"{"errcode":0,"errmsg":"ok"}"#.to_string())
            }
        };
        let mut stream = stream;
        let _ = write!(
            stream,
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = stream.flush();
    }
}

fn read_request(stream: &TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let (path, query) = target
        .split_once('?')
        .map_or((target.clone(), String::new()), |(p, q)| {
            (p.to_string(), q.to_string())
        });
    Some(Request {
        method,
        path,
        query,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}
