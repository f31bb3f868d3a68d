/**
 * A minimal HTTP/1.1 client for the Lambda Runtime API: one TCP connection,
 * kept alive and reused, one request at a time, no timeout.
 *
 * Node's http module would cost several milliseconds of every cold start to
 * load. The socket is unref'd while idle, so it never keeps the event loop
 * (and with it the beforeExit event that callback handlers rely on) alive.
 */
'use strict';

const net = require('net');

const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');

class Connection {
  constructor(address, userAgent) {
    const i = address.lastIndexOf(':');
    this.address = address;
    this.host = address.slice(0, i).replace(/^\[(.*)\]$/, '$1');
    this.port = parseInt(address.slice(i + 1), 10);
    this.userAgent = userAgent;
    this.socket = null;
    this.queue = [];
    this.current = null;
  }

  /** Resolves to { status, headers (lower-case names), body: Buffer }. */
  request(method, path, headers, body) {
    return new Promise((resolve, reject) => {
      this.queue.push({ method, path, headers, body, resolve, reject, retried: false });
      this.pump();
    });
  }

  /**
   * Starts a request whose body is sent in chunks as write() is called;
   * end(trailers) finishes it with optional trailer headers. done resolves
   * with the response, once the server answered after the body's end.
   */
  openStream(method, path, headers) {
    let resolve, reject;
    const done = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // A body already partly sent cannot be sent again: no retry.
    const req = { method, path, headers, resolve, reject, retried: true, chunked: true, pending: [], sent: false };
    this.queue.push(req);
    this.pump();
    return {
      write: (buf) => this.writeChunk(req, buf.length === 0 ? null : frameChunk(buf)),
      end: (trailers) => this.writeChunk(req, frameEnd(trailers)),
      done,
    };
  }

  writeChunk(req, data) {
    if (data === null) return;
    if (req.sent && this.current === req && this.socket) this.socket.write(data);
    else req.pending.push(data);
  }

  pump() {
    if (this.current || this.queue.length === 0) return;
    this.current = this.queue.shift();
    this.send(this.current);
  }

  send(req) {
    let reused = true;
    if (!this.socket) {
      this.connect();
      reused = false;
    }
    req.reused = reused;
    req.parser = new ResponseParser();
    this.socket.ref();
    let head = `${req.method} ${req.path} HTTP/1.1\r\nHost: ${this.address}\r\nUser-Agent: ${this.userAgent}\r\n`;
    for (const [k, v] of Object.entries(req.headers || {})) head += `${k}: ${v}\r\n`;
    if (req.chunked) head += 'Transfer-Encoding: chunked\r\n';
    else if (req.body !== undefined) head += `Content-Length: ${req.body.length}\r\n`;
    head += '\r\n';
    this.socket.write(head, 'latin1');
    if (req.body !== undefined && req.body.length > 0) this.socket.write(req.body);
    if (req.chunked) {
      req.sent = true;
      for (const data of req.pending.splice(0)) this.socket.write(data);
    }
  }

  connect() {
    const socket = net.connect(this.port, this.host);
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.onData(socket, chunk));
    socket.on('error', (err) => this.onClose(socket, err));
    socket.on('close', () => this.onClose(socket, new Error('Runtime API connection closed')));
    this.socket = socket;
  }

  onData(socket, chunk) {
    const req = this.current;
    if (socket !== this.socket || !req) return;
    let res;
    try {
      res = req.parser.push(chunk);
    } catch (err) {
      this.fail(req, err);
      return;
    }
    if (!res) return;
    this.current = null;
    if ((res.headers.connection || '').toLowerCase() === 'close') {
      this.socket = null;
      socket.destroy();
    } else {
      socket.unref();
    }
    req.resolve(res);
    this.pump();
  }

  onClose(socket, err) {
    if (socket !== this.socket) return;
    this.socket = null;
    socket.destroy();
    const req = this.current;
    if (!req) return;
    // A kept-alive connection the server closed while idle fails before any
    // response byte; one retry on a fresh connection is safe then.
    if (req.reused && !req.retried && !req.parser.started) {
      req.retried = true;
      this.send(req);
      return;
    }
    this.fail(req, err);
  }

  fail(req, err) {
    this.current = null;
    if (this.socket) {
      this.socket.destroy();
      this.socket = null;
    }
    req.reject(err);
    this.pump();
  }
}

/** One chunk of a chunked body. */
function frameChunk(buf) {
  return Buffer.concat([Buffer.from(buf.length.toString(16) + '\r\n', 'latin1'), buf, CRLF]);
}

/** The last chunk, with its trailers. */
function frameEnd(trailers) {
  let tail = '0\r\n';
  for (const [k, v] of Object.entries(trailers || {})) tail += `${k}: ${v}\r\n`;
  return Buffer.from(tail + '\r\n', 'latin1');
}

/** Parses one response: status line, headers, a Content-Length or chunked body. */
class ResponseParser {
  constructor() {
    this.buf = Buffer.alloc(0);
    this.started = false;
    this.state = 'head';
    this.res = null;
    this.parts = [];
    this.need = 0;
  }

  push(chunk) {
    this.started = true;
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      switch (this.state) {
        case 'head': {
          const end = this.buf.indexOf(HEAD_END);
          if (end < 0) return null;
          this.parseHead(this.buf.toString('utf8', 0, end));
          this.buf = this.buf.subarray(end + 4);
          break;
        }
        case 'body': {
          const n = Math.min(this.need, this.buf.length);
          if (n > 0) this.parts.push(this.buf.subarray(0, n));
          this.buf = this.buf.subarray(n);
          this.need -= n;
          if (this.need > 0) return null;
          return this.finish();
        }
        case 'size': {
          const eol = this.buf.indexOf(CRLF);
          if (eol < 0) return null;
          const size = parseInt(this.buf.toString('latin1', 0, eol).split(';')[0].trim(), 16);
          if (Number.isNaN(size)) throw new Error('malformed chunk size from the Runtime API');
          this.buf = this.buf.subarray(eol + 2);
          this.need = size;
          this.state = size === 0 ? 'trailers' : 'chunk';
          break;
        }
        case 'chunk': {
          const n = Math.min(this.need, this.buf.length);
          if (n > 0) this.parts.push(this.buf.subarray(0, n));
          this.buf = this.buf.subarray(n);
          this.need -= n;
          if (this.need > 0) return null;
          this.state = 'chunk-end';
          break;
        }
        case 'chunk-end':
          if (this.buf.length < 2) return null;
          this.buf = this.buf.subarray(2);
          this.state = 'size';
          break;
        case 'trailers': {
          const eol = this.buf.indexOf(CRLF);
          if (eol < 0) return null;
          this.buf = this.buf.subarray(eol + 2);
          if (eol === 0) return this.finish();
          break;
        }
      }
    }
  }

  parseHead(text) {
    const lines = text.split('\r\n');
    const status = parseInt(lines[0].split(' ')[1], 10);
    if (Number.isNaN(status)) throw new Error(`malformed status line from the Runtime API: ${lines[0]}`);
    const headers = {};
    for (const line of lines.slice(1)) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    this.res = { status, headers, body: null };
    if ((headers['transfer-encoding'] || '').toLowerCase().includes('chunked')) {
      this.state = 'size';
    } else {
      this.need = parseInt(headers['content-length'] || '0', 10);
      this.state = 'body';
    }
  }

  finish() {
    this.res.body = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts);
    return this.res;
  }
}

module.exports = { Connection };
