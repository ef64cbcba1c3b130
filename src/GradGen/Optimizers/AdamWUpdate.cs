using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GradGen;

/// <summary>
/// AdamW's element-wise update over all parameters of an optimizer, as one job: the parameters are laid end to end and
/// cut into chunks (on <see cref="WorkerPool"/> when asked and there are at least <see cref="ParallelElementwise.MinLength"/>
/// elements in all), and each chunk makes one pass over its elements of p, g, m and v.
/// </summary>
/// <remarks>
/// The pass does the operations of the block-wise <c>TensorPrimitives</c> sequence it replaced, in the same order and with
/// the same roundings (multiply, then add; no fused multiply-add), so its results are the same bit for bit, whatever the
/// chunking: every element is computed alone.
/// </remarks>
internal sealed class AdamWUpdate<T> : IParallelJob where T : IFloatingPointIeee754<T>
{
    private readonly Tensor<T>[] _parameters;
    private readonly T[][] _m, _v;

    /// <summary>Where each parameter starts in the elements laid end to end; the last entry is the total.</summary>
    private readonly long[] _starts;

    public T B1, B2, OneMinusB1, OneMinusB2, Decay, StepSize, InverseCorrection2, Epsilon;

    public AdamWUpdate(Tensor<T>[] parameters, T[][] m, T[][] v)
    {
        _parameters = parameters;
        _m = m;
        _v = v;
        B1 = B2 = OneMinusB1 = OneMinusB2 = Decay = StepSize = InverseCorrection2 = Epsilon = T.Zero;
        Gradients = new Tensor<T>[parameters.Length];
        _starts = new long[parameters.Length + 1];
        for (int i = 0; i < parameters.Length; i++) _starts[i + 1] = _starts[i] + parameters[i].FlattenedLength;
    }

    /// <summary>The dense gradients of the step being taken, one per parameter (set by the caller, cleared after).</summary>
    public Tensor<T>[] Gradients { get; }

    /// <summary>Updates every parameter and its moments (on the calling thread only unless <paramref name="parallel"/>).</summary>
    public void Run(bool parallel)
    {
        long total = _starts[^1];
        long chunks = parallel && total >= ParallelElementwise.MinLength && WorkerPool.Threads > 1
            ? Math.Min(8L * WorkerPool.Threads, total / (ParallelElementwise.MinLength / 2))
            : 1;
        if (chunks <= 1) Run(0, 1);
        else WorkerPool.Run(this, (int)chunks);
        if (GuardZones.Enabled) GuardZones.Check("AdamWUpdate.Run");
    }

    public void Run(int chunk, int chunks)
    {
        long total = _starts[^1];
        // On multiples of 16 elements, so that only a parameter's end leaves a partial vector.
        long start = ParallelElementwise.Boundary(total, chunk, chunks), end = ParallelElementwise.Boundary(total, chunk + 1, chunks);
        int i = 0;
        while (i < _parameters.Length && _starts[i + 1] <= start) i++;
        for (; i < _parameters.Length && _starts[i] < end; i++)
        {
            int from = (int)(Math.Max(start, _starts[i]) - _starts[i]), to = (int)(Math.Min(end, _starts[i + 1]) - _starts[i]);
            if (to <= from) continue;
            Update(Dense.Span(_parameters[i]).Slice(from, to - from), Dense.Span(Gradients[i]).Slice(from, to - from),
                   _m[i].AsSpan(from, to - from), _v[i].AsSpan(from, to - from));
        }
    }

    /// <summary>
    /// m ← β₁ m + (1 − β₁) g; v ← β₂ v + (1 − β₂) g²; p ← (1 − lr λ) p + s · m / (√(v / (1 − β₂ᵗ)) + ε) with
    /// s = −lr / (1 − β₁ᵗ); each product rounded before its sum, as the old sequence of passes did.
    /// </summary>
    private void Update(Span<T> p, ReadOnlySpan<T> g, Span<T> m, Span<T> v)
    {
        int n = p.Length, i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported && n >= Vector<T>.Count)
        {
            var b1 = new Vector<T>(B1);
            var b2 = new Vector<T>(B2);
            var c1 = new Vector<T>(OneMinusB1);
            var c2 = new Vector<T>(OneMinusB2);
            var decay = new Vector<T>(Decay);
            var step = new Vector<T>(StepSize);
            var inverse = new Vector<T>(InverseCorrection2);
            var eps = new Vector<T>(Epsilon);
            ref T rp = ref MemoryMarshal.GetReference(p);
            ref T rg = ref MemoryMarshal.GetReference(g);
            ref T rm = ref MemoryMarshal.GetReference(m);
            ref T rv = ref MemoryMarshal.GetReference(v);
            for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
            {
                var gi = Vector.LoadUnsafe(ref rg, (nuint)i);
                var mi = Vector.LoadUnsafe(ref rm, (nuint)i) * b1 + gi * c1;
                var vi = Vector.LoadUnsafe(ref rv, (nuint)i) * b2 + (gi * gi) * c2;
                var s = mi / (Vector.SquareRoot(vi * inverse) + eps);
                var pi = Vector.LoadUnsafe(ref rp, (nuint)i) * decay + s * step;
                mi.StoreUnsafe(ref rm, (nuint)i);
                vi.StoreUnsafe(ref rv, (nuint)i);
                pi.StoreUnsafe(ref rp, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            T mi = m[i] * B1 + g[i] * OneMinusB1;
            T vi = v[i] * B2 + (g[i] * g[i]) * OneMinusB2;
            T s = mi / (T.Sqrt(vi * InverseCorrection2) + Epsilon);
            m[i] = mi;
            v[i] = vi;
            p[i] = p[i] * Decay + s * StepSize;
        }
    }
}
