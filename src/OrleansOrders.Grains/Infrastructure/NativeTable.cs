using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace OrleansOrders.Grains;

/// <summary>
/// A hash table from string keys to byte values whose keys, values and buckets all live in native
/// memory: the in-process grid's database (every order it has taken, every open commitment, every
/// customer's index) costs the GC heap nothing per entry, so a full collection does not walk it and the
/// heap does not grow with what the grid holds. Chained: each entry is one native block
/// (<c>next, hash, key length, value length, key bytes (UTF-8), value bytes</c>). Not thread-safe: its
/// owner locks around every call, and a value span it hands out is valid only until the next change.
/// </summary>
public sealed unsafe class NativeTable : IDisposable
{
    private const int HeaderBytes = 24; // next (8), hash (4), key length (4), value length (4), padding (4)
    private const int StackKeyBytes = 512;
    private static long s_bytesInProcess;

    private nint* _buckets;
    private int _bucketCount;
    private int _count;
    private long _entryBytes;

    /// <summary>Entries held.</summary>
    public int Count => _count;

    /// <summary>Bytes the entries hold (keys, values, their headers), not counting the bucket array.</summary>
    public long EntryBytes => _entryBytes;

    /// <summary>Bytes every table in this process holds outside the GC heap, buckets included.</summary>
    public static long BytesInProcess => Interlocked.Read(ref s_bytesInProcess);

    public bool TryGet(string key, out ReadOnlySpan<byte> value)
    {
        var entry = Find(key);
        value = entry is null ? default : ValueOf(entry);
        return entry is not null;
    }

    public bool ContainsKey(string key) => Find(key) is not null;

    /// <summary>Inserts the key, or replaces its value (the old block is freed).</summary>
    public void Set(string key, ReadOnlySpan<byte> value)
    {
        EnsureBuckets();
        var hash = HashOf(key);
        using var utf8 = new Utf8Key(key, stackalloc byte[StackKeyBytes]);
        var link = LinkTo(hash, utf8.Bytes);
        var replacement = Allocate(hash, utf8.Bytes, value);
        if (*link != 0)
        {
            var entry = (byte*)*link;
            *(nint*)replacement = *(nint*)entry; // keeps its place in the chain
            *link = (nint)replacement;
            Free(entry);
            return;
        }
        *link = (nint)replacement; // the chain's end
        if (++_count > _bucketCount)
        {
            Grow();
        }
    }

    public bool Remove(string key)
    {
        if (_buckets is null)
        {
            return false;
        }
        using var utf8 = new Utf8Key(key, stackalloc byte[StackKeyBytes]);
        var link = LinkTo(HashOf(key), utf8.Bytes);
        if (*link == 0)
        {
            return false;
        }
        var entry = (byte*)*link;
        *link = *(nint*)entry;
        Free(entry);
        _count--;
        return true;
    }

    /// <summary>Calls <paramref name="visit"/> with each entry's key and value (the table must not change meanwhile).</summary>
    public void ForEach<TState>(TState state, EntryVisitor<TState> visit)
    {
        for (var b = 0; b < _bucketCount; b++)
        {
            for (var entry = (byte*)_buckets[b]; entry is not null; entry = (byte*)*(nint*)entry)
            {
                var keyLength = *(int*)(entry + 12);
                visit(state, Encoding.UTF8.GetString(entry + HeaderBytes, keyLength), ValueOf(entry));
            }
        }
    }

    public delegate void EntryVisitor<TState>(TState state, string key, ReadOnlySpan<byte> value);

    public void Dispose()
    {
        for (var b = 0; b < _bucketCount; b++)
        {
            var entry = (byte*)_buckets[b];
            while (entry is not null)
            {
                var next = (byte*)*(nint*)entry;
                Free(entry);
                entry = next;
            }
        }
        if (_buckets is not null)
        {
            NativeMemory.Free(_buckets);
            Interlocked.Add(ref s_bytesInProcess, -(long)_bucketCount * sizeof(nint));
            _buckets = null;
        }
        _bucketCount = 0;
        _count = 0;
        GC.SuppressFinalize(this);
    }

    ~NativeTable() => Dispose();

    private byte* Find(string key)
    {
        if (_buckets is null)
        {
            return null;
        }
        using var utf8 = new Utf8Key(key, stackalloc byte[StackKeyBytes]);
        return (byte*)*LinkTo(HashOf(key), utf8.Bytes);
    }

    /// <summary>The link that points at the key's entry, or the empty link at the end of its chain.</summary>
    private nint* LinkTo(int hash, ReadOnlySpan<byte> key)
    {
        var link = &_buckets[(uint)hash % (uint)_bucketCount];
        while (*link != 0 && !Matches((byte*)*link, hash, key))
        {
            link = (nint*)*link; // an entry's first field is its next link
        }
        return link;
    }

    // Ordinal, and stable for the process's life (string hashes are randomised per process, never stored).
    private static int HashOf(string key) => key.GetHashCode(StringComparison.Ordinal);

    /// <summary>A key in UTF-8: in the caller's stack buffer, or a pooled array when it does not fit.</summary>
    private ref struct Utf8Key
    {
        private readonly byte[]? _rented;

        public Utf8Key(string key, Span<byte> stack)
        {
            var length = Encoding.UTF8.GetMaxByteCount(key.Length);
            var buffer = length <= stack.Length ? stack : (_rented = System.Buffers.ArrayPool<byte>.Shared.Rent(length));
            Bytes = buffer[..Encoding.UTF8.GetBytes(key, buffer)];
        }

        public ReadOnlySpan<byte> Bytes { get; }

        public readonly void Dispose()
        {
            if (_rented is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(_rented);
            }
        }
    }

    private static bool Matches(byte* entry, int hash, ReadOnlySpan<byte> key) =>
        *(int*)(entry + 8) == hash
        && *(int*)(entry + 12) == key.Length
        && new ReadOnlySpan<byte>(entry + HeaderBytes, key.Length).SequenceEqual(key);

    private static ReadOnlySpan<byte> ValueOf(byte* entry) =>
        new(entry + HeaderBytes + *(int*)(entry + 12), *(int*)(entry + 16));

    private byte* Allocate(int hash, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var size = HeaderBytes + key.Length + value.Length;
        var entry = (byte*)NativeMemory.Alloc((nuint)size);
        *(nint*)entry = 0;
        *(int*)(entry + 8) = hash;
        *(int*)(entry + 12) = key.Length;
        *(int*)(entry + 16) = value.Length;
        *(int*)(entry + 20) = 0;
        key.CopyTo(new Span<byte>(entry + HeaderBytes, key.Length));
        value.CopyTo(new Span<byte>(entry + HeaderBytes + key.Length, value.Length));
        _entryBytes += size;
        Interlocked.Add(ref s_bytesInProcess, size);
        return entry;
    }

    private void Free(byte* entry)
    {
        long size = HeaderBytes + *(int*)(entry + 12) + *(int*)(entry + 16);
        NativeMemory.Free(entry);
        _entryBytes -= size;
        Interlocked.Add(ref s_bytesInProcess, -size);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EnsureBuckets()
    {
        if (_buckets is null)
        {
            _bucketCount = 8;
            _buckets = (nint*)NativeMemory.AllocZeroed((nuint)_bucketCount, (nuint)sizeof(nint));
            Interlocked.Add(ref s_bytesInProcess, (long)_bucketCount * sizeof(nint));
        }
    }

    // Doubles the buckets and relinks every entry (the entries themselves do not move).
    private void Grow()
    {
        var count = _bucketCount * 2;
        var buckets = (nint*)NativeMemory.AllocZeroed((nuint)count, (nuint)sizeof(nint));
        for (var b = 0; b < _bucketCount; b++)
        {
            var entry = (byte*)_buckets[b];
            while (entry is not null)
            {
                var next = (byte*)*(nint*)entry;
                var slot = &buckets[(uint)*(int*)(entry + 8) % (uint)count];
                *(nint*)entry = *slot;
                *slot = (nint)entry;
                entry = next;
            }
        }
        NativeMemory.Free(_buckets);
        Interlocked.Add(ref s_bytesInProcess, (long)(count - _bucketCount) * sizeof(nint));
        _buckets = buckets;
        _bucketCount = count;
    }
}
