using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;

namespace GradGen;

/// <summary>
/// A test aid against out-of-bounds writes of the unsafe kernels, on when the environment variable
/// <c>GRADGEN_GUARD=1</c> is set at start-up (read once; off, every use folds away). Guard mode places every float and
/// double tensor and scratch array the runtime allocates between two zones of <see cref="Zone"/> canary elements (a
/// signalling NaN), puts zones around the used part of the kernels' pinned per-thread buffers (a replaced buffer becomes
/// all canary, so a write through a pointer into it shows too), and <see cref="Check"/> — called after each kernel
/// entry and at the end of each workspace scope — verifies every live zone and throws, naming the kernel that just ran
/// and where the damaged allocation was made. A write past an array otherwise lands silently in a neighbour (or the
/// GC's own data); here it is caught at the kernel that made it.
/// </summary>
internal static class GuardZones
{
    /// <summary>Whether guard mode is on (<c>GRADGEN_GUARD=1</c>).</summary>
    public static readonly bool Enabled = Environment.GetEnvironmentVariable("GRADGEN_GUARD") == "1";

    /// <summary>Canary elements before and after each guarded allocation (256 bytes of float: wider than any vector).</summary>
    public const int Zone = 64;

    /// <summary>
    /// The canaries: signalling NaNs with a payload. Arithmetic on one returns it quieted (other bits), so an accumulating
    /// write past the end (the canary loaded, added to, stored back) shows too; a quiet NaN would come back unchanged.
    /// </summary>
    public const uint FloatCanary = 0x7FA0_DEADu;

    /// <inheritdoc cref="FloatCanary"/>
    public const ulong DoubleCanary = 0x7FF4_DEAD_BEEF_CAFEul;

    private static readonly object s_lock = new();
    private static readonly List<Entry> s_entries = new();
    private static readonly ConditionalWeakTable<Array, Entry> s_pinned = new();

    /// <summary>Whether T is guarded (float or double).</summary>
    public static bool Guards<T>() => typeof(T) == typeof(float) || typeof(T) == typeof(double);

    /// <summary>Writes the canary into every element of <paramref name="zone"/> (T float or double).</summary>
    public static void Fill<T>(Span<T> zone)
    {
        if (typeof(T) == typeof(float)) Bits<T, uint>(zone).Fill(FloatCanary);
        else if (typeof(T) == typeof(double)) Bits<T, ulong>(zone).Fill(DoubleCanary);
        else throw new NotSupportedException(typeof(T).Name);
    }

    private static Span<U> Bits<T, U>(Span<T> span) => MemoryMarshal.CreateSpan(ref Unsafe.As<T, U>(ref MemoryMarshal.GetReference(span)), span.Length);

    private static ReadOnlySpan<U> Bits<T, U>(ReadOnlySpan<T> span) => MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<T, U>(ref MemoryMarshal.GetReference(span)), span.Length);

    /// <summary>The index of the first element of <paramref name="zone"/> that is not the canary, or −1.</summary>
    public static int FirstBroken<T>(ReadOnlySpan<T> zone)
    {
        if (typeof(T) == typeof(float)) return Bits<T, uint>(zone).IndexOfAnyExcept(FloatCanary);
        if (typeof(T) == typeof(double)) return Bits<T, ulong>(zone).IndexOfAnyExcept(DoubleCanary);
        throw new NotSupportedException(typeof(T).Name);
    }

    /// <summary>
    /// A new array with <paramref name="length"/> usable elements from <see cref="Zone"/> on (zeroed when asked), canaries
    /// on both sides, registered for <see cref="Check"/> with the caller's stack as its site.
    /// </summary>
    public static T[] NewArray<T>(int length, bool zeroed, string kind)
    {
        var array = zeroed ? new T[Zone + length + Zone] : GC.AllocateUninitializedArray<T>(Zone + length + Zone);
        Fill(array.AsSpan(0, Zone));
        Fill(array.AsSpan(Zone + length));
        Register(new Entry(array, null, Zone, length, kind, new StackTrace(2, false)));
        return array;
    }

    /// <summary>A guarded span of <paramref name="length"/> elements (contents undefined).</summary>
    public static Span<T> NewSpan<T>(int length, string kind) => NewArray<T>(length, zeroed: false, kind).AsSpan(Zone, length);

    /// <summary>A dense row-major tensor of the shape whose elements lie between two canary zones of a larger array.</summary>
    public static Tensor<T> NewTensor<T>(ReadOnlySpan<nint> lengths, bool zeroed)
    {
        int count = TensorShape.Count(lengths);
        if (count == 0) return Tensor.Create(Array.Empty<T>(), lengths);
        var array = NewArray<T>(count, zeroed, "tensor [" + string.Join(", ", lengths.ToArray()) + "]");
        return TensorShape.DenseAt(array, Zone, lengths);
    }

    /// <summary>
    /// A kernel's pinned buffer <paramref name="array"/> is about to be used from element <paramref name="start"/> for
    /// <paramref name="length"/> elements: everything else in it becomes canary (registered on first use).
    /// </summary>
    public static void Pinned<T>(T[] array, int start, int length, string kind)
    {
        Entry entry;
        lock (s_lock)
        {
            if (!s_pinned.TryGetValue(array, out entry!))
            {
                Fill(array.AsSpan(0, start));
                Fill(array.AsSpan(start + length));
                entry = new Entry(array, array, start, length, kind, new StackTrace(2, false));
                s_pinned.Add(array, entry);
                s_entries.Add(entry);
                return;
            }
            // Shrinking: the freed end becomes canary before the checks stop looking at it; growing: the checks stop
            // looking at the new part before the kernel writes it. The head zone stays where it was.
            if (start != entry.Start) throw new InvalidOperationException($"GuardZones: {kind} moved its start ({entry.Start} → {start}).");
            if (length < entry.Length) Fill(array.AsSpan(start + length, entry.Length - length));
            entry.Length = length;
        }
    }

    /// <summary>
    /// A kernel's pinned buffer is being replaced by a larger one: all of it becomes canary and stays checked (kept
    /// alive), so a pointer into it that someone still writes through shows at the next check.
    /// </summary>
    public static void Retire<T>(T[] array)
    {
        lock (s_lock)
        {
            Fill(array.AsSpan());
            if (s_pinned.TryGetValue(array, out var entry))
            {
                entry.Start = 0;
                entry.Length = 0;
                entry.Kind += " (retired: replaced by a larger buffer)";
            }
        }
    }

    /// <summary>
    /// Verifies the zones of every live guarded allocation; throws naming <paramref name="kernel"/> (what just ran) and
    /// the damaged allocation's site. Does nothing when guard mode is off.
    /// </summary>
    public static void Check(string kernel)
    {
        if (!Enabled) return;
        CheckAll(kernel);
    }

    /// <summary><see cref="Check"/> regardless of the mode (for tests that register allocations themselves).</summary>
    public static void CheckAll(string kernel)
    {
        lock (s_lock)
        {
            Interlocked.Increment(ref s_checks);
            for (int i = s_entries.Count - 1; i >= 0; i--)
            {
                var entry = s_entries[i];
                if (!entry.Array.TryGetTarget(out var array))
                {
                    s_entries.RemoveAt(i);
                    continue;
                }
                var broken = array switch
                {
                    float[] f => Broken<float>(f, entry),
                    double[] d => Broken<double>(d, entry),
                    _ => null,
                };
                if (broken is null) continue;
                // Reported once: repaired so that later checks report new damage, not this one again.
                s_entries.RemoveAt(i);
                throw new GuardZoneException(
                    $"Guard zone broken after {kernel}: {entry.Kind} ({entry.Length} elements from {entry.Start} of {array.Length}), {broken}. " +
                    $"Allocated on thread {entry.Thread} at:{Environment.NewLine}{entry.Site}");
            }
        }
    }

    private static long s_checks;

    /// <summary>How many checks have run (tests check that guard mode is on and checking).</summary>
    public static long Checks => Interlocked.Read(ref s_checks);

    /// <summary>Live guarded allocations (pruned at each check).</summary>
    public static int Count
    {
        get { lock (s_lock) return s_entries.Count; }
    }

    private static string? Broken<T>(T[] array, Entry entry)
    {
        int start = entry.Start, end = start + entry.Length;
        int before = FirstBroken<T>(array.AsSpan(0, start));
        if (before >= 0) return $"element {before - start} (before the start) overwritten";
        int after = FirstBroken<T>(array.AsSpan(end));
        if (after >= 0)
        {
            int last = array.Length - 1 - end;
            while (last > after && FirstBroken<T>(array.AsSpan(end + last, 1)) < 0) last--;
            return $"elements {entry.Length + after}..{entry.Length + last} (past the end) overwritten";
        }
        return null;
    }

    private static void Register(Entry entry)
    {
        lock (s_lock) s_entries.Add(entry);
    }

    private sealed class Entry
    {
        public readonly WeakReference<Array> Array;
        /// <summary>Pinned buffers are kept alive by the registry, so a retired one stays checked.</summary>
        public readonly Array? Strong;
        public int Start;
        public int Length;
        public string Kind;
        public readonly StackTrace Site;
        public readonly string Thread;

        public Entry(Array array, Array? strong, int start, int length, string kind, StackTrace site)
        {
            Array = new WeakReference<Array>(array);
            Strong = strong;
            Start = start;
            Length = length;
            Kind = kind;
            Site = site;
            Thread = System.Threading.Thread.CurrentThread.Name ?? System.Threading.Thread.CurrentThread.ManagedThreadId.ToString();
        }
    }
}

/// <summary>A guard zone was overwritten: some kernel wrote outside the memory it owns.</summary>
internal sealed class GuardZoneException : Exception
{
    public GuardZoneException(string message) : base(message) { }
}
