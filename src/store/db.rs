//! One SQL connection, SQLite or PostgreSQL, behind the few calls the store makes.
//!
//! The store writes its SQL once, in the dialect both engines share: numbered parameters
//! (`?1` here, rewritten to `$1` for PostgreSQL), `RETURNING`, `ON CONFLICT`, `CAST(x AS
//! BIGINT)` where an aggregate's type would differ. Values cross as [`Value`]: integers,
//! reals, text, bytes or NULL, converted to and from whatever column type the engine reports,
//! so a `COUNT(*)` (BIGINT in PostgreSQL) and a `CASE … THEN 1` (INTEGER) read the same.

use std::cell::RefCell;
use std::collections::HashMap;

use super::StoreError;

/// A parameter or column value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// Anything that can be a statement parameter.
pub trait ToValue {
    fn to_value(&self) -> Value;
}

macro_rules! int_to_value {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value {
                Value::Int(*self as i64)
            }
        }
    )*};
}
int_to_value!(i64, i32, u32, u16, u8, usize);

impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Int(i64::from(*self))
    }
}
impl ToValue for f64 {
    fn to_value(&self) -> Value {
        Value::Real(*self)
    }
}
impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_owned())
    }
}
impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}
impl ToValue for std::sync::Arc<str> {
    fn to_value(&self) -> Value {
        Value::Text(self.to_string())
    }
}
impl ToValue for [u8] {
    fn to_value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}
impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}
impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}
impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}

/// Statement parameters: `params![a, b]` is a `[Value; 2]` (pass `&params![…]`).
macro_rules! params {
    () => { [] as [$crate::store::db::Value; 0] };
    ($($x:expr),+ $(,)?) => { [$($crate::store::db::ToValue::to_value(&$x)),+] };
}
pub(crate) use params;

/// A value read from a column.
pub trait FromValue: Sized {
    fn from_value(v: Value) -> Result<Self, String>;
}

impl FromValue for i64 {
    fn from_value(v: Value) -> Result<Self, String> {
        match v {
            Value::Int(i) => Ok(i),
            Value::Real(f) if f.fract() == 0.0 => Ok(f as i64),
            other => Err(format!("expected an integer, found {other:?}")),
        }
    }
}
impl FromValue for i32 {
    fn from_value(v: Value) -> Result<Self, String> {
        let i = i64::from_value(v)?;
        i32::try_from(i).map_err(|_| format!("integer {i} out of range"))
    }
}
impl FromValue for u32 {
    fn from_value(v: Value) -> Result<Self, String> {
        let i = i64::from_value(v)?;
        u32::try_from(i).map_err(|_| format!("integer {i} out of range"))
    }
}
impl FromValue for usize {
    fn from_value(v: Value) -> Result<Self, String> {
        let i = i64::from_value(v)?;
        usize::try_from(i).map_err(|_| format!("integer {i} out of range"))
    }
}
impl FromValue for bool {
    fn from_value(v: Value) -> Result<Self, String> {
        Ok(i64::from_value(v)? != 0)
    }
}
impl FromValue for f64 {
    fn from_value(v: Value) -> Result<Self, String> {
        match v {
            Value::Int(i) => Ok(i as f64),
            Value::Real(f) => Ok(f),
            other => Err(format!("expected a number, found {other:?}")),
        }
    }
}
impl FromValue for String {
    fn from_value(v: Value) -> Result<Self, String> {
        match v {
            Value::Text(s) => Ok(s),
            Value::Blob(b) => String::from_utf8(b).map_err(|e| e.to_string()),
            other => Err(format!("expected text, found {other:?}")),
        }
    }
}
impl FromValue for Vec<u8> {
    fn from_value(v: Value) -> Result<Self, String> {
        match v {
            Value::Blob(b) => Ok(b),
            Value::Text(s) => Ok(s.into_bytes()),
            other => Err(format!("expected bytes, found {other:?}")),
        }
    }
}
impl FromValue for Value {
    fn from_value(v: Value) -> Result<Self, String> {
        Ok(v)
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: Value) -> Result<Self, String> {
        match v {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// One result row: SQLite's own row (read in place, text borrowed) or PostgreSQL's values.
pub enum Row<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Values(&'a [Value]),
}

impl Row<'_> {
    /// Column `i` as `T`.
    pub fn get<T: FromValue>(&self, i: usize) -> Result<T, StoreError> {
        let v = match self {
            Row::Sqlite(r) => sqlite::from_ref(r.get_ref(i)?),
            Row::Values(v) => {
                v.get(i).cloned().ok_or_else(|| StoreError::Column(format!("column {i} of {}", v.len())))?
            }
        };
        T::from_value(v).map_err(|e| StoreError::Column(format!("column {i}: {e}")))
    }

    /// A text column, borrowed from the row.
    pub fn text(&self, i: usize) -> Result<&str, StoreError> {
        match self {
            Row::Sqlite(r) => {
                r.get_ref(i)?.as_str().map_err(|e| StoreError::Column(format!("column {i}: {e}")))
            }
            Row::Values(v) => match v.get(i) {
                Some(Value::Text(s)) => Ok(s),
                other => Err(StoreError::Column(format!("column {i}: expected text, found {other:?}"))),
            },
        }
    }
}

/// The engine behind a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A connection to one of the two engines.
pub enum Db {
    Sqlite(rusqlite::Connection),
    Postgres(Box<RefCell<pg::Conn>>),
}

impl Db {
    pub fn engine(&self) -> Engine {
        match self {
            Db::Sqlite(_) => Engine::Sqlite,
            Db::Postgres(_) => Engine::Postgres,
        }
    }

    /// Run a statement; the number of rows it changed.
    pub fn execute(&self, sql: &str, params: &[Value]) -> Result<usize, StoreError> {
        match self {
            Db::Sqlite(c) => {
                let mut st = c.prepare_cached(sql)?;
                Ok(st.execute(rusqlite::params_from_iter(params.iter().map(sqlite::to_sql)))?)
            }
            Db::Postgres(c) => c.borrow_mut().execute(sql, params),
        }
    }

    /// Every row of a query, each mapped by `f`.
    pub fn query_map<T>(
        &self,
        sql: &str,
        params: &[Value],
        mut f: impl FnMut(&Row<'_>) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let mut out = Vec::new();
        self.for_each(sql, params, |r| {
            out.push(f(r)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// Call `f` on every row of a query.
    pub fn for_each(
        &self,
        sql: &str,
        params: &[Value],
        mut f: impl FnMut(&Row<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        match self {
            Db::Sqlite(c) => {
                let mut st = c.prepare_cached(sql)?;
                let mut rows = st.query(rusqlite::params_from_iter(params.iter().map(sqlite::to_sql)))?;
                while let Some(r) = rows.next()? {
                    f(&Row::Sqlite(r))?;
                }
                Ok(())
            }
            Db::Postgres(c) => {
                let rows = c.borrow_mut().query(sql, params)?;
                for values in &rows {
                    f(&Row::Values(values))?;
                }
                Ok(())
            }
        }
    }

    /// The first row of a query, if any, mapped by `f`.
    pub fn query_opt<T>(
        &self,
        sql: &str,
        params: &[Value],
        f: impl FnOnce(&Row<'_>) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        match self {
            Db::Sqlite(c) => {
                let mut st = c.prepare_cached(sql)?;
                let mut rows = st.query(rusqlite::params_from_iter(params.iter().map(sqlite::to_sql)))?;
                rows.next()?.map(|r| f(&Row::Sqlite(r))).transpose()
            }
            Db::Postgres(c) => {
                let rows = c.borrow_mut().query(sql, params)?;
                rows.first().map(|v| f(&Row::Values(v))).transpose()
            }
        }
    }

    /// The one row of a query (an error when there is none), mapped by `f`.
    pub fn query_row<T>(
        &self,
        sql: &str,
        params: &[Value],
        f: impl FnOnce(&Row<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.query_opt(sql, params, f)?.ok_or(StoreError::NoRow)
    }

    /// Run one statement once per parameter row, in order; the rows changed. On PostgreSQL
    /// the statements are pipelined (all sent, then all answers read), which matters for the
    /// thousands of rows one advisory can write; SQLite runs them one after the other.
    pub fn execute_many(&self, sql: &str, rows: Vec<Vec<Value>>) -> Result<usize, StoreError> {
        match self {
            Db::Sqlite(c) => match MultiRow::of(sql) {
                // One statement per chunk of rows: SQLite's per-statement work (a statement
                // journal inside a transaction, binding, stepping) is paid once per chunk.
                Some(m) => {
                    let mut changed = 0;
                    for (n, chunk) in m.chunks(&rows) {
                        let mut st = c.prepare_cached(&m.sql(n))?;
                        let params = chunk.iter().flatten().map(sqlite::to_sql);
                        changed += st.execute(rusqlite::params_from_iter(params))?;
                    }
                    Ok(changed)
                }
                None => rows.iter().map(|p| self.execute(sql, p)).sum(),
            },
            Db::Postgres(c) => Ok(c.borrow_mut().query_many(sql, rows)?.len()),
        }
    }

    /// An `INSERT … RETURNING id` once per parameter row, in order (pipelined on
    /// PostgreSQL): the ids.
    pub fn insert_many_returning(&self, sql: &str, rows: Vec<Vec<Value>>) -> Result<Vec<i64>, StoreError> {
        match self {
            Db::Sqlite(c) => match MultiRow::of(sql) {
                // SQLite returns a multi-row insert's rows in no promised order, but a rowid
                // it assigns is one more than the largest so far: in row order, the ids ascend.
                Some(m) => {
                    let mut ids = Vec::with_capacity(rows.len());
                    for (n, chunk) in m.chunks(&rows) {
                        let mut st = c.prepare_cached(&m.sql(n))?;
                        let params = chunk.iter().flatten().map(sqlite::to_sql);
                        let mut got: Vec<i64> = st
                            .query_map(rusqlite::params_from_iter(params), |r| r.get(0))?
                            .collect::<Result<_, _>>()?;
                        if got.len() != n {
                            return Err(StoreError::invalid(format!(
                                "{n} rows inserted, {} ids returned",
                                got.len()
                            )));
                        }
                        got.sort_unstable();
                        ids.extend(got);
                    }
                    Ok(ids)
                }
                None => rows.iter().map(|p| self.query_row(sql, p, |r| r.get(0))).collect(),
            },
            Db::Postgres(c) => c
                .borrow_mut()
                .query_many(sql, rows)?
                .into_iter()
                .map(|rows| {
                    let v = rows
                        .into_iter()
                        .next()
                        .and_then(|r| r.into_iter().next())
                        .ok_or(StoreError::NoRow)?;
                    i64::from_value(v).map_err(StoreError::Column)
                })
                .collect(),
        }
    }

    /// Run several statements with no parameters (migrations).
    pub fn batch(&self, sql: &str) -> Result<(), StoreError> {
        match self {
            Db::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Db::Postgres(c) => c.borrow_mut().batch(sql),
        }
    }

    /// Begin a transaction; it rolls back when the guard is dropped uncommitted.
    pub fn begin(&self) -> Result<Tx<'_>, StoreError> {
        self.batch("BEGIN")?;
        Ok(Tx { db: self, done: false })
    }
}

/// An `INSERT … VALUES (?1, …, ?k) …` written for several rows at once: the same statement
/// with its one tuple repeated, each copy numbering its own parameters.
struct MultiRow<'a> {
    head: &'a str,
    tail: &'a str,
    width: usize,
}

impl<'a> MultiRow<'a> {
    /// SQLite's default limit on a statement's parameters is 32,766; fewer rows per
    /// statement than that allows keeps each statement's text short.
    const MAX_ROWS: usize = 256;

    /// The statement's parts, when it is a plain one-tuple insert whose tuple holds only
    /// the parameters ?1 … ?k in order (anything else runs row by row).
    fn of(sql: &'a str) -> Option<MultiRow<'a>> {
        if !sql.trim_start().to_ascii_uppercase().starts_with("INSERT") {
            return None;
        }
        let at = sql.find("VALUES")?;
        let open = at + sql[at..].find('(')?;
        let close = open + sql[open..].find(')')?;
        let inner = &sql[open + 1..close];
        let mut width = 0;
        for (i, p) in inner.split(',').enumerate() {
            if p.trim() != format!("?{}", i + 1) {
                return None;
            }
            width = i + 1;
        }
        // A second tuple or a sub-select after it is not this shape.
        let tail = &sql[close + 1..];
        if tail.trim_start().starts_with(',') || width == 0 {
            return None;
        }
        Some(MultiRow { head: &sql[..open], tail, width })
    }

    fn chunks<'r>(
        &self,
        rows: &'r [Vec<Value>],
    ) -> impl Iterator<Item = (usize, &'r [Vec<Value>])> + use<'r, '_> {
        let per = Self::MAX_ROWS.min(32_766 / self.width).max(1);
        rows.chunks(per).map(|c| (c.len(), c))
    }

    /// The statement for `n` rows.
    fn sql(&self, n: usize) -> String {
        let mut s = String::with_capacity(self.head.len() + self.tail.len() + n * self.width * 7);
        s.push_str(self.head);
        let mut p = 1;
        for r in 0..n {
            if r > 0 {
                s.push_str(", ");
            }
            s.push('(');
            for c in 0..self.width {
                if c > 0 {
                    s.push_str(", ");
                }
                s.push('?');
                s.push_str(&p.to_string());
                p += 1;
            }
            s.push(')');
        }
        s.push_str(self.tail);
        s
    }
}

/// Advisory-lock keys of the jobs that must run once across instances.
pub const LOCK_DIGESTS: i64 = 0x7477_0001;
pub const LOCK_ESCALATIONS: i64 = 0x7477_0002;

/// An open transaction on a [`Db`]; statements go through it as through the `Db`.
pub struct Tx<'a> {
    db: &'a Db,
    done: bool,
}

impl Tx<'_> {
    /// On PostgreSQL, hold an advisory lock named by `key` until this transaction ends, so
    /// that one instance at a time runs a job that must happen once (releasing digests,
    /// firing escalations). SQLite has one writer already.
    pub fn exclusive(&self, key: i64) -> Result<(), StoreError> {
        if self.db.engine() == Engine::Postgres {
            self.db.execute("SELECT pg_advisory_xact_lock(?1)", &[Value::Int(key)])?;
        }
        Ok(())
    }

    pub fn commit(mut self) -> Result<(), StoreError> {
        self.done = true;
        self.db.batch("COMMIT")
    }
}

impl std::ops::Deref for Tx<'_> {
    type Target = Db;
    fn deref(&self) -> &Db {
        self.db
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.db.batch("ROLLBACK");
        }
    }
}

mod sqlite {
    use rusqlite::types::{ToSqlOutput, ValueRef};

    use super::Value;

    pub(super) fn to_sql(v: &Value) -> ToSqlOutput<'_> {
        match v {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Value::Real(f) => ToSqlOutput::Borrowed(ValueRef::Real(*f)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        }
    }

    pub(super) fn from_ref(v: ValueRef<'_>) -> Value {
        match v {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(i) => Value::Int(i),
            ValueRef::Real(f) => Value::Real(f),
            ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        }
    }
}

pub mod pg {
    //! The PostgreSQL side: statement translation, a statement cache, values by column type,
    //! and reconnection after the server went away.

    use std::error::Error as _;

    use std::time::Duration;

    use tokio_postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

    use super::{HashMap, StoreError, Value};

    /// How long one statement may take before the connection is given up as broken (the
    /// server gone, or the network silently dropping packets) and reopened on the next call.
    pub const STATEMENT_DEADLINE: Duration = Duration::from_secs(30);
    /// How long connecting may take.
    const CONNECT_DEADLINE: Duration = Duration::from_secs(5);

    /// The runtime every PostgreSQL connection of this process runs on: one thread of its
    /// own, so the synchronous store can wait for a reply from anywhere — a blocking thread,
    /// a runtime worker, or no runtime at all — without nesting runtimes.
    fn runtime() -> Result<&'static tokio::runtime::Handle, String> {
        static HANDLE: std::sync::OnceLock<Result<tokio::runtime::Handle, String>> =
            std::sync::OnceLock::new();
        HANDLE
            .get_or_init(|| {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| format!("PostgreSQL runtime: {e}"))?;
                let handle = rt.handle().clone();
                std::thread::Builder::new()
                    .name("tripwatch-pg".into())
                    .spawn(move || rt.block_on(std::future::pending::<()>()))
                    .map_err(|e| format!("PostgreSQL runtime thread: {e}"))?;
                Ok(handle)
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Run `fut` on the PostgreSQL runtime and wait for it, at most `deadline`.
    fn wait<T: Send + 'static>(
        deadline: Duration,
        fut: impl std::future::Future<Output = T> + Send + 'static,
    ) -> Result<Option<T>, String> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        runtime()?.spawn(async move {
            let _ = tx.send(tokio::time::timeout(deadline, fut).await.ok());
        });
        rx.recv().map_err(|_| "the PostgreSQL runtime stopped".to_owned())
    }

    /// A client with a statement cache, a deadline on every call, and reconnection on the
    /// next call after the connection broke (or a call ran past its deadline).
    pub struct Conn {
        url: String,
        client: Option<std::sync::Arc<tokio_postgres::Client>>,
        statements: HashMap<String, tokio_postgres::Statement>,
        deadline: Duration,
        /// Session settings, applied again on every new connection.
        session: Vec<String>,
    }

    fn timed_out(what: &str) -> StoreError {
        StoreError::Postgres { message: format!("timed out: {what}"), code: None, statement: String::new() }
    }

    impl Conn {
        pub fn connect(url: &str) -> Result<Conn, StoreError> {
            let mut c = Conn {
                url: url.to_owned(),
                client: None,
                statements: HashMap::new(),
                deadline: STATEMENT_DEADLINE,
                session: Vec::new(),
            };
            c.client()?;
            Ok(c)
        }

        /// Run `sql` (a `SET …`) now and on every reconnection.
        pub fn set_session(&mut self, sql: &str) -> Result<(), StoreError> {
            self.session.push(sql.to_owned());
            self.batch(sql)
        }

        /// Change the per-call deadline (readiness checks use a short one).
        pub fn set_deadline(&mut self, d: Duration) {
            self.deadline = d;
        }

        fn client(&mut self) -> Result<std::sync::Arc<tokio_postgres::Client>, StoreError> {
            if let Some(c) = self.client.as_ref().filter(|c| !c.is_closed()) {
                return Ok(c.clone());
            }
            self.client = None;
            self.statements.clear();
            let open_err = |m: String| StoreError::Open { path: redact(&self.url), message: m };
            let cfg: tokio_postgres::Config =
                self.url.parse().map_err(|e: tokio_postgres::Error| open_err(e.to_string()))?;
            let connected = wait(CONNECT_DEADLINE, async move {
                let (client, connection) = cfg.connect(tokio_postgres::NoTls).await?;
                // The connection runs on the PostgreSQL runtime until it closes.
                tokio::spawn(async move {
                    let _ = connection.await;
                });
                Ok::<_, tokio_postgres::Error>(client)
            })
            .map_err(open_err)?
            .ok_or_else(|| open_err("connecting timed out".into()))?
            .map_err(|e| open_err(describe(&e)))?;
            let client = std::sync::Arc::new(connected);
            for sql in &self.session {
                let (c, text) = (client.clone(), sql.clone());
                wait(self.deadline, async move { c.batch_execute(&text).await })
                    .map_err(open_err)?
                    .ok_or_else(|| open_err(format!("{sql}: timed out")))?
                    .map_err(|e| open_err(describe(&e)))?;
            }
            self.client = Some(client.clone());
            Ok(client)
        }

        /// Run `make(client)` within the deadline; a timeout drops the connection.
        fn call<T, F>(
            &mut self,
            what: &str,
            make: impl FnOnce(std::sync::Arc<tokio_postgres::Client>) -> F,
        ) -> Result<T, StoreError>
        where
            T: Send + 'static,
            F: std::future::Future<Output = Result<T, tokio_postgres::Error>> + Send + 'static,
        {
            let client = self.client()?;
            match wait(self.deadline, make(client)) {
                Ok(Some(r)) => r.map_err(|e| pg_err(e, what)),
                Ok(None) => {
                    self.client = None;
                    Err(timed_out(what))
                }
                Err(e) => Err(StoreError::Postgres { message: e, code: None, statement: String::new() }),
            }
        }

        fn statement(&mut self, sql: &str) -> Result<tokio_postgres::Statement, StoreError> {
            if let Some(s) = self.statements.get(sql) {
                return Ok(s.clone());
            }
            let text = translate(sql);
            let t = text.clone();
            let st = self.call(&text, move |c| async move { c.prepare(&t).await })?;
            if self.statements.len() > 512 {
                self.statements.clear();
            }
            self.statements.insert(sql.to_owned(), st.clone());
            Ok(st)
        }

        pub(super) fn execute(&mut self, sql: &str, params: &[Value]) -> Result<usize, StoreError> {
            let st = self.statement(sql)?;
            let params = params.to_vec();
            let n = self.call(sql, move |c| async move { c.execute(&st, &param_refs(&params)).await })?;
            Ok(n as usize)
        }

        pub(super) fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, StoreError> {
            let st = self.statement(sql)?;
            let params = params.to_vec();
            let rows = self.call(sql, move |c| async move { c.query(&st, &param_refs(&params)).await })?;
            rows.iter().map(row_values).collect()
        }

        /// One statement per parameter row, pipelined: all are sent, then all answers read.
        pub(super) fn query_many(
            &mut self,
            sql: &str,
            rows: Vec<Vec<Value>>,
        ) -> Result<Vec<Vec<Vec<Value>>>, StoreError> {
            if rows.is_empty() {
                return Ok(Vec::new());
            }
            let st = self.statement(sql)?;
            let answers = self.call(sql, move |c| async move {
                // Tasks start in the order spawned, so the statements go out in order.
                let tasks: Vec<_> = rows
                    .into_iter()
                    .map(|p| {
                        let (c, st) = (c.clone(), st.clone());
                        tokio::spawn(async move { c.query(&st, &param_refs(&p)).await })
                    })
                    .collect();
                let mut out = Vec::with_capacity(tasks.len());
                let mut first_err = None;
                for t in tasks {
                    match t.await {
                        Ok(Ok(rows)) => out.push(rows),
                        Ok(Err(e)) => {
                            first_err.get_or_insert(e);
                        }
                        Err(_) => {}
                    }
                }
                match first_err {
                    Some(e) => Err(e),
                    None => Ok(out),
                }
            })?;
            answers.iter().map(|rows| rows.iter().map(row_values).collect()).collect()
        }

        pub fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
            let text = sql.to_owned();
            self.call(sql, move |c| async move { c.batch_execute(&text).await })
        }
    }

    /// A row's columns as values.
    fn row_values(r: &tokio_postgres::Row) -> Result<Vec<Value>, StoreError> {
        (0..r.len())
            .map(|i| {
                r.try_get::<_, Cell>(i)
                    .map(|c| c.0)
                    .map_err(|e| StoreError::Column(format!("column {i}: {e}")))
            })
            .collect()
    }

    fn param_refs(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
        params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
    }

    /// The server's message (with its detail), not only "db error".
    fn describe(e: &tokio_postgres::Error) -> String {
        match e.as_db_error() {
            Some(db) => match db.detail() {
                Some(d) => format!("{}: {d}", db.message()),
                None => db.message().to_owned(),
            },
            None => match e.source() {
                Some(s) => format!("{e}: {s}"),
                None => e.to_string(),
            },
        }
    }

    fn pg_err(e: tokio_postgres::Error, sql: &str) -> StoreError {
        let code = e.code().map(|c| c.code().to_owned());
        StoreError::Postgres { message: describe(&e), code, statement: sql.chars().take(120).collect() }
    }

    /// The URL without its password, for messages.
    pub fn redact(url: &str) -> String {
        match url::Url::parse(url) {
            Ok(mut u) => {
                if u.password().is_some() {
                    let _ = u.set_password(Some("***"));
                }
                u.to_string()
            }
            Err(_) => "postgres://…".to_owned(),
        }
    }

    /// `?N` parameters become `$N`; quoted text is left alone.
    pub fn translate(sql: &str) -> String {
        let mut out = String::with_capacity(sql.len());
        let mut quoted = false;
        let mut chars = sql.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\'' => {
                    quoted = !quoted;
                    out.push(c);
                }
                '?' if !quoted && chars.peek().is_some_and(char::is_ascii_digit) => out.push('$'),
                _ => out.push(c),
            }
        }
        out
    }

    impl ToSql for Value {
        fn to_sql(
            &self,
            ty: &Type,
            out: &mut tokio_postgres::types::private::BytesMut,
        ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
            let wrong = || -> Box<dyn std::error::Error + Sync + Send> {
                format!("cannot send {self:?} as a {ty}").into()
            };
            match self {
                Value::Null => return Ok(IsNull::Yes),
                Value::Int(i) => match *ty {
                    Type::INT8 => i.to_sql(ty, out)?,
                    Type::INT4 => i32::try_from(*i).map_err(|_| wrong())?.to_sql(ty, out)?,
                    Type::INT2 => i16::try_from(*i).map_err(|_| wrong())?.to_sql(ty, out)?,
                    Type::BOOL => (*i != 0).to_sql(ty, out)?,
                    Type::FLOAT8 => (*i as f64).to_sql(ty, out)?,
                    Type::FLOAT4 => (*i as f32).to_sql(ty, out)?,
                    Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                        i.to_string().to_sql(&Type::TEXT, out)?
                    }
                    _ => return Err(wrong()),
                },
                Value::Real(f) => match *ty {
                    Type::FLOAT8 => f.to_sql(ty, out)?,
                    Type::FLOAT4 => (*f as f32).to_sql(ty, out)?,
                    Type::TEXT | Type::VARCHAR => f.to_string().to_sql(&Type::TEXT, out)?,
                    _ => return Err(wrong()),
                },
                Value::Text(s) => match *ty {
                    Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                        s.as_str().to_sql(&Type::TEXT, out)?
                    }
                    Type::INT8 => s.parse::<i64>().map_err(|_| wrong())?.to_sql(ty, out)?,
                    Type::BYTEA => s.as_bytes().to_sql(ty, out)?,
                    _ => return Err(wrong()),
                },
                Value::Blob(b) => match *ty {
                    Type::BYTEA => b.as_slice().to_sql(ty, out)?,
                    _ => return Err(wrong()),
                },
            };
            Ok(IsNull::No)
        }

        fn accepts(_: &Type) -> bool {
            true
        }

        to_sql_checked!();
    }

    /// A column of any type the store's schema uses, read as a [`Value`].
    struct Cell(Value);

    impl<'a> FromSql<'a> for Cell {
        fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
            Ok(Cell(match *ty {
                Type::INT8 => Value::Int(i64::from_sql(ty, raw)?),
                Type::INT4 => Value::Int(i32::from_sql(ty, raw)?.into()),
                Type::INT2 => Value::Int(i16::from_sql(ty, raw)?.into()),
                Type::BOOL => Value::Int(bool::from_sql(ty, raw)?.into()),
                Type::FLOAT8 => Value::Real(f64::from_sql(ty, raw)?),
                Type::FLOAT4 => Value::Real(f32::from_sql(ty, raw)?.into()),
                Type::BYTEA => Value::Blob(raw.to_vec()),
                Type::NUMERIC => numeric(raw)?,
                _ => Value::Text(String::from_utf8(raw.to_vec())?),
            }))
        }

        fn from_sql_null(_: &Type) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
            Ok(Cell(Value::Null))
        }

        fn accepts(_: &Type) -> bool {
            true
        }
    }

    /// PostgreSQL's binary NUMERIC (what `SUM` of integers gives): base-10000 digits.
    fn numeric(raw: &[u8]) -> Result<Value, Box<dyn std::error::Error + Sync + Send>> {
        let word = |i: usize| -> Result<i16, Box<dyn std::error::Error + Sync + Send>> {
            let b = raw.get(i..i + 2).ok_or("short NUMERIC")?;
            Ok(i16::from_be_bytes([b[0], b[1]]))
        };
        let (ndigits, weight, sign, scale) = (word(0)?, word(2)?, word(4)? as u16, word(6)?);
        if sign == 0xC000 {
            return Ok(Value::Null); // NaN
        }
        let mut v = 0f64;
        for d in 0..ndigits as usize {
            let digit = word(8 + 2 * d)? as f64;
            v += digit * 10000f64.powi(i32::from(weight) - d as i32);
        }
        if sign == 0x4000 {
            v = -v;
        }
        Ok(if scale == 0 && v.abs() < 9.0e15 { Value::Int(v as i64) } else { Value::Real(v) })
    }

    #[cfg(test)]
    mod tests {
        use super::translate;

        #[test]
        fn parameters_are_numbered_for_postgres_outside_quotes() {
            assert_eq!(
                translate("SELECT a FROM t WHERE b = ?1 AND c = '?2' OR d = ?12"),
                "SELECT a FROM t WHERE b = $1 AND c = '?2' OR d = $12"
            );
        }
    }
}

#[cfg(test)]
mod multi_row_tests {
    use super::{Db, MultiRow, Value};

    fn db() -> Db {
        let c = rusqlite::Connection::open_in_memory().expect("sqlite");
        c.execute_batch(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT NOT NULL UNIQUE, n INTEGER NOT NULL, note TEXT);",
        )
        .expect("schema");
        Db::Sqlite(c)
    }

    fn row(k: &str, n: i64, note: Option<&str>) -> Vec<Value> {
        vec![
            Value::Text(k.to_owned()),
            Value::Int(n),
            note.map_or(Value::Null, |s| Value::Text(s.to_owned())),
        ]
    }

    #[test]
    fn only_plain_one_tuple_inserts_are_rewritten() {
        let m =
            MultiRow::of("INSERT INTO t (k, n) VALUES (?1, ?2) ON CONFLICT (k) DO NOTHING").expect("shape");
        assert_eq!(m.sql(2), "INSERT INTO t (k, n) VALUES (?1, ?2), (?3, ?4) ON CONFLICT (k) DO NOTHING");
        assert_eq!(m.sql(1), "INSERT INTO t (k, n) VALUES (?1, ?2) ON CONFLICT (k) DO NOTHING");
        // Parameters out of order, a literal in the tuple, an update, two tuples: row by row.
        assert!(MultiRow::of("INSERT INTO t (k, n) VALUES (?2, ?1)").is_none());
        assert!(MultiRow::of("INSERT INTO t (k, n) VALUES (?1, 5)").is_none());
        assert!(MultiRow::of("UPDATE t SET n = ?2 WHERE k = ?1").is_none());
        assert!(MultiRow::of("INSERT INTO t (k, n) VALUES (?1, ?2), (?3, ?4)").is_none());
    }

    #[test]
    fn ids_come_back_in_row_order_across_chunks() {
        let db = db();
        db.execute("INSERT INTO t (k, n) VALUES ('first', 0)", &[]).expect("seed row");
        let rows: Vec<Vec<Value>> =
            (0..(MultiRow::MAX_ROWS * 2 + 7) as i64).map(|i| row(&format!("k{i}"), i, None)).collect();
        let want = rows.len();
        let ids = db
            .insert_many_returning("INSERT INTO t (k, n, note) VALUES (?1, ?2, ?3) RETURNING id", rows)
            .expect("insert");
        assert_eq!(ids.len(), want);
        for (i, id) in ids.iter().enumerate() {
            let n: i64 =
                db.query_row("SELECT n FROM t WHERE id = ?1", &[Value::Int(*id)], |r| r.get(0)).expect("row");
            assert_eq!(n, i as i64, "id {id} belongs to row {i}");
        }
    }

    #[test]
    fn an_upsert_in_bulk_behaves_as_row_by_row() {
        let db = db();
        let rows = vec![row("a", 1, Some("x")), row("b", 2, None), row("a", 3, None)];
        let sql =
            "INSERT INTO t (k, n, note) VALUES (?1, ?2, ?3) ON CONFLICT (k) DO UPDATE SET n = excluded.n";
        assert_eq!(db.execute_many(sql, rows).expect("upsert"), 3);
        let got = db
            .query_map("SELECT k, n, note FROM t ORDER BY k", &[], |r| {
                Ok((r.get::<String>(0)?, r.get::<i64>(1)?, r.get::<Option<String>>(2)?))
            })
            .expect("rows");
        assert_eq!(got, vec![("a".into(), 3, Some("x".into())), ("b".into(), 2, None)]);
        // A constraint failure in a chunk fails the call and writes none of that chunk.
        let bad = vec![row("c", 4, None), vec![Value::Text("d".into()), Value::Null, Value::Null]];
        assert!(db.execute_many("INSERT INTO t (k, n, note) VALUES (?1, ?2, ?3)", bad).is_err());
        let c: i64 = db.query_row("SELECT count(*) FROM t WHERE k = 'c'", &[], |r| r.get(0)).expect("count");
        assert_eq!(c, 0);
    }
}
