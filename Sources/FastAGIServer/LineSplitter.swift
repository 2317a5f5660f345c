import NIOCore

/// Splits the byte stream into `\n`-terminated lines (a trailing `\r` is dropped) and refuses a
/// line longer than the limit instead of buffering without bound.
///
/// Used inside `AGIConnectionHandler` rather than as a `ByteToMessageHandler` stage: a reply
/// usually arrives whole in one read, and then it is cut straight out of that read's buffer, with
/// no second buffer and no pipeline hop per line.
struct LineSplitter {
    struct LineTooLong: Error, CustomStringConvertible {
        let limit: Int
        var description: String { "line longer than \(limit) bytes" }
    }

    let maxLength: Int
    /// Bytes of a line whose end has not arrived yet.
    private var partial: ByteBuffer?
    /// How much of `partial` was already searched, so a slow trickle of bytes is not rescanned.
    private var scanned = 0

    init(maxLength: Int) { self.maxLength = maxLength }

    /// Takes one read's bytes; `next` then yields each complete line in it.
    mutating func append(_ incoming: ByteBuffer) -> ByteBuffer {
        guard var partial else { return incoming }
        self.partial = nil
        var incoming = incoming
        partial.writeBuffer(&incoming)
        return partial
    }

    /// The next complete line in `buffer`, or nil once only a partial line is left (kept for the
    /// next read).
    mutating func next(_ buffer: inout ByteBuffer) throws(LineTooLong) -> String? {
        let found = buffer.withUnsafeReadableBytes { [scanned] in $0[scanned...].firstIndex(of: UInt8(ascii: "\n")) }
        guard let length = found else {
            if buffer.readableBytes > maxLength { throw LineTooLong(limit: maxLength) }
            scanned = buffer.readableBytes
            // Copied out rather than kept as a slice: a slice would keep the whole receive buffer
            // alive, and NIO could not reuse it for the next read (each connection would hold two).
            if buffer.readableBytes > 0 {
                var copy = ByteBufferAllocator().buffer(capacity: buffer.readableBytes)
                copy.writeImmutableBuffer(buffer)
                partial = copy
            }
            return nil
        }
        scanned = 0
        guard length <= maxLength else { throw LineTooLong(limit: maxLength) }
        let end = length > 0 && buffer.getInteger(at: buffer.readerIndex + length - 1, as: UInt8.self) == UInt8(ascii: "\r")
            ? length - 1 : length
        let line = buffer.getString(at: buffer.readerIndex, length: end)!
        buffer.moveReaderIndex(forwardBy: length + 1)
        return line
    }
}
