using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace GradGen;

/// <summary>
/// Entry points of the vector row and element-wise kernels (<see cref="VectorRows{T, TV, TS}"/>) for float and double:
/// each picks the instantiation for the element type and a width — <see cref="SimdWidth.Rows"/> when <see cref="Ops"/>
/// and <see cref="Adjoint"/> call, any width when a test forces one (a width the CPU lacks runs in software: correct,
/// slow) — and runs it over both cores where the data is large (<see cref="ParallelRows"/>,
/// <see cref="ParallelElementwise"/>). Callers check <see cref="Applies{T}"/> and shapes first.
/// </summary>
internal static unsafe class RowKernels
{
    /// <summary>Whether the vector kernels take T (float or double) on this machine.</summary>
    public static bool Applies<T>() => (typeof(T) == typeof(float) || typeof(T) == typeof(double)) && SimdWidth.Rows != VectorWidth.None;

    /// <summary>Whether a large addition goes to <see cref="Add{T}"/> (smaller ones stay with TensorPrimitives on the calling thread).</summary>
    public static bool AddApplies<T>(int length) => Applies<T>() && length >= ParallelRows.MinElements;

    private static RowTable<U> Table<U>(VectorWidth width) where U : unmanaged
    {
        if (typeof(U) == typeof(float))
        {
            RowTable<float> t = width switch
            {
                VectorWidth.W512 => VectorRows<float, Vector512<float>, F512>.Table,
                VectorWidth.W256 => VectorRows<float, Vector256<float>, F256>.Table,
                VectorWidth.W128 => VectorRows<float, Vector128<float>, F128>.Table,
                _ => throw new ArgumentOutOfRangeException(nameof(width)),
            };
            return Unsafe.As<RowTable<float>, RowTable<U>>(ref t);
        }
        if (typeof(U) == typeof(double))
        {
            RowTable<double> t = width switch
            {
                VectorWidth.W512 => VectorRows<double, Vector512<double>, D512>.Table,
                VectorWidth.W256 => VectorRows<double, Vector256<double>, D256>.Table,
                VectorWidth.W128 => VectorRows<double, Vector128<double>, D128>.Table,
                _ => throw new ArgumentOutOfRangeException(nameof(width)),
            };
            return Unsafe.As<RowTable<double>, RowTable<U>>(ref t);
        }
        throw new NotSupportedException(typeof(U).Name);
    }

    private static ReadOnlySpan<U> As<T, U>(ReadOnlySpan<T> span) => MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<T, U>(ref MemoryMarshal.GetReference(span)), span.Length);

    private static Span<U> As<T, U>(Span<T> span) => MemoryMarshal.CreateSpan(ref Unsafe.As<T, U>(ref MemoryMarshal.GetReference(span)), span.Length);

    private static U As<T, U>(T value) => Unsafe.As<T, U>(ref value);

    private static bool IsFloat<T>() => typeof(T) == typeof(float);

    // ── element-wise ───────────────────────────────────────────────────────────────────────────

    /// <summary>y = gelu(x) (tanh approximation); y may be x.</summary>
    public static void Gelu<T>(ReadOnlySpan<T> x, Span<T> y, VectorWidth width)
    {
        // The kernel's operands are (x, y, unused).
        if (IsFloat<T>()) Elementwise(Table<float>(width).Gelu, As<T, float>(x), As<T, float>(y), default, x.Length);
        else Elementwise(Table<double>(width).Gelu, As<T, double>(x), As<T, double>(y), default, x.Length);
        if (GuardZones.Enabled) GuardZones.Check("RowKernels.Gelu");
    }

    /// <summary>into += dY ⊙ gelu′(x), or into = dY ⊙ gelu′(x) with <paramref name="overwrite"/> (into is not read).</summary>
    public static void GeluBackward<T>(ReadOnlySpan<T> dY, ReadOnlySpan<T> x, Span<T> into, VectorWidth width, bool overwrite = false)
    {
        if (IsFloat<T>())
        {
            var table = Table<float>(width);
            Elementwise(overwrite ? table.GeluBackwardWrite : table.GeluBackward, As<T, float>(dY), As<T, float>(x), As<T, float>(into), x.Length);
        }
        else
        {
            var table = Table<double>(width);
            Elementwise(overwrite ? table.GeluBackwardWrite : table.GeluBackward, As<T, double>(dY), As<T, double>(x), As<T, double>(into), x.Length);
        }
        if (GuardZones.Enabled) GuardZones.Check("RowKernels.GeluBackward");
    }

    /// <summary>y = gelu(x + bias), bias one row (its length the rows' length) repeated over the rows of x, by rows over both cores.</summary>
    public static void BiasGelu<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> bias, Span<T> y, VectorWidth width)
    {
        if (bias.Length == 0 || x.Length == 0) return;
        // A x, B the bias row, C y.
        if (IsFloat<T>()) Rows(Table<float>(width).BiasGelu, As<T, float>(x), As<T, float>(bias), As<T, float>(y), default, bias.Length, default, x.Length / bias.Length);
        else Rows(Table<double>(width).BiasGelu, As<T, double>(x), As<T, double>(bias), As<T, double>(y), default, bias.Length, default, x.Length / bias.Length);
        if (GuardZones.Enabled) GuardZones.Check("RowKernels.BiasGelu");
    }

    /// <summary>
    /// The backward of <see cref="BiasGelu{T}"/>: with ĝ = dY ⊙ gelu′(x + bias), into += ĝ (= with
    /// <paramref name="overwrite"/>) and intoBias += Σ_rows ĝ; an empty into or intoBias is skipped. Each bias element sums
    /// its rows in order (bit for bit the unfused adjoints): written into, by rows over both cores and then the rows of into
    /// summed; otherwise in one pass split over both cores by columns.
    /// </summary>
    public static void BiasGeluBackward<T>(ReadOnlySpan<T> dY, ReadOnlySpan<T> x, ReadOnlySpan<T> bias, Span<T> into, Span<T> intoBias, VectorWidth width, bool overwrite)
    {
        if (bias.Length == 0 || x.Length == 0) return;
        if (IsFloat<T>())
        {
            var table = Table<float>(width);
            BiasGeluBackwardCore(table, overwrite, VectorCount(width, sizeof(float)), As<T, float>(dY), As<T, float>(x), As<T, float>(bias), As<T, float>(into), As<T, float>(intoBias));
        }
        else
        {
            var table = Table<double>(width);
            BiasGeluBackwardCore(table, overwrite, VectorCount(width, sizeof(double)), As<T, double>(dY), As<T, double>(x), As<T, double>(bias), As<T, double>(into), As<T, double>(intoBias));
        }
        if (GuardZones.Enabled) GuardZones.Check("RowKernels.BiasGeluBackward");
    }

    private static int VectorCount(VectorWidth width, int size) => (int)width / 8 / size;

    /// <summary>How many column parts a kernel split over columns runs in: one per thread, at most one per vector of a row of <paramref name="n"/>.</summary>
    private static int ColumnParts(int n, int lanes) => Math.Max(1, Math.Min(WorkerPool.Threads, (n + lanes - 1) / lanes));

    private static void BiasGeluBackwardCore<U>(RowTable<U> table, bool overwrite, int lanes, ReadOnlySpan<U> dY, ReadOnlySpan<U> x, ReadOnlySpan<U> bias, Span<U> into, Span<U> intoBias)
        where U : unmanaged, INumberBase<U>
    {
        int n = bias.Length, rows = x.Length / n;
        fixed (U* pg = dY)
        fixed (U* px = x)
        fixed (U* pb = bias)
        fixed (U* pi = into)
        fixed (U* pib = intoBias)
        {
            if (overwrite && into.Length > 0)
            {
                // x̄ written: ĝ by whole rows over both cores (streams like GELU's backward), then the rows of x̄ — ĝ exactly —
                // summed into b̄ in row order. Splitting by columns instead, to sum in the same pass, kept each thread on
                // short runs of every row: 1.8× this at [256, 512] in the TinyGpt step, where the operands come from L3.
                var rowArgs = new RowArgs<U> { A = pg, B = px, C = pb, D = pi, Length = n };
                ParallelRows.Run(table.BiasGeluBackwardWriteRows, &rowArgs, rows);
                if (intoBias.Length > 0)
                {
                    for (int r = 0; r < rows; r++) System.Numerics.Tensors.TensorPrimitives.Add(intoBias, into.Slice(r * n, n), intoBias);
                }
                return;
            }
            // x̄ added to (or only b̄): one pass, split by columns so each b̄ element sums its rows in order on one thread.
            int parts = ColumnParts(n, lanes);
            var args = new RowArgs<U>
            {
                A = pg, B = px, C = pb, D = into.Length == 0 ? null : pi, E = intoBias.Length == 0 ? null : pib,
                Length = n, Rows = rows, Parts = parts,
            };
            ParallelRows.Run(overwrite ? table.BiasGeluBackwardWrite : table.BiasGeluBackward, &args, parts, x.Length);
        }
    }

    private static void Elementwise<U>(delegate*<U*, U*, U*, int, void> kernel, ReadOnlySpan<U> a, ReadOnlySpan<U> b, Span<U> c, int length) where U : unmanaged
    {
        fixed (U* pa = a)
        fixed (U* pb = b)
        fixed (U* pc = c)
        {
            ParallelElementwise.Run(kernel, pa, pb, pc, length);
        }
    }

    /// <summary>
    /// destination = a + b when both have destination's length, or one of them repeats over destination's rows
    /// (<paramref name="rowBias"/>: the length of that operand, else 0). Addition is commutative, so a bias on either
    /// side is the same kernel; results equal <c>TensorPrimitives.Add</c>'s bit for bit.
    /// </summary>
    public static void Add<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> destination, int rowBias, VectorWidth width)
    {
        if (IsFloat<T>()) AddCore(Table<float>(width), As<T, float>(a), As<T, float>(b), As<T, float>(destination), rowBias);
        else AddCore(Table<double>(width), As<T, double>(a), As<T, double>(b), As<T, double>(destination), rowBias);
        if (GuardZones.Enabled) GuardZones.Check("RowKernels.Add");
    }

    private static void AddCore<U>(RowTable<U> table, ReadOnlySpan<U> a, ReadOnlySpan<U> b, Span<U> destination, int rowBias) where U : unmanaged
    {
        fixed (U* pa = a)
        fixed (U* pb = b)
        fixed (U* pd = destination)
        {
            if (rowBias == 0)
            {
                ParallelElementwise.Run(table.Add, pa, pb, pd, destination.Length);
                return;
            }
            // The full operand in A, the repeating one in B.
            var args = a.Length == destination.Length
                ? new RowArgs<U> { A = pa, B = pb, C = pd, Length = rowBias }
                : new RowArgs<U> { A = pb, B = pa, C = pd, Length = rowBias };
            ParallelRows.Run(table.AddRows, &args, destination.Length / rowBias);
        }
    }

    // ── rows ───────────────────────────────────────────────────────────────────────────────────

    /// <summary>The causal softmax of stacked [t, t] score matrices (see <see cref="Ops.CausalSoftmax{T}(System.Numerics.Tensors.Tensor{T}, T)"/>); y may be s.</summary>
    public static void CausalSoftmax<T>(ReadOnlySpan<T> s, T scale, Span<T> y, int t, VectorWidth width)
    {
        if (t == 0) return;
        // A the scores, B the result.
        if (IsFloat<T>()) Rows(Table<float>(width).CausalSoftmax, As<T, float>(s), As<T, float>(y), default, default, t, As<T, float>(scale), s.Length / t);
        else Rows(Table<double>(width).CausalSoftmax, As<T, double>(s), As<T, double>(y), default, default, t, As<T, double>(scale), s.Length / t);
        if (GuardZones.Enabled) GuardZones.Check("RowKernels.CausalSoftmax");
    }

    /// <summary>
    /// into += the causal softmax's backward (see <see cref="Adjoint.CausalSoftmax{T}"/>); with <paramref name="write"/>,
    /// into = it (the masked positions set to 0).
    /// </summary>
    public static void CausalSoftmaxBackward<T>(ReadOnlySpan<T> dY, ReadOnlySpan<T> y, T scale, Span<T> into, int t, VectorWidth width, bool write = false)
    {
        if (t == 0) return;
        // Rows reads its operands as A, B, C, D: here A dY, B y, C into.
        if (IsFloat<T>())
        {
            var table = Table<float>(width);
            Rows(write ? table.CausalSoftmaxBackwardWrite : table.CausalSoftmaxBackward, As<T, float>(dY), As<T, float>(y), As<T, float>(into), default, t, As<T, float>(scale), dY.Length / t);
        }
        else
        {
            var table = Table<double>(width);
            Rows(write ? table.CausalSoftmaxBackwardWrite : table.CausalSoftmaxBackward, As<T, double>(dY), As<T, double>(y), As<T, double>(into), default, t, As<T, double>(scale), dY.Length / t);
        }
        if (GuardZones.Enabled) GuardZones.Check("RowKernels.CausalSoftmaxBackward");
    }

    /// <summary>y = LayerNorm(x) over rows of length c (see <see cref="Ops.LayerNorm{T}(System.Numerics.Tensors.Tensor{T}, System.Numerics.Tensors.Tensor{T}, System.Numerics.Tensors.Tensor{T}, T)"/>); y may be x.</summary>
    public static void LayerNorm<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, T eps, Span<T> y, int c, VectorWidth width)
    {
        if (c == 0) return;
        if (IsFloat<T>()) Rows(Table<float>(width).LayerNorm, As<T, float>(x), As<T, float>(weight), As<T, float>(bias), As<T, float>(y), c, As<T, float>(eps), x.Length / c);
        else Rows(Table<double>(width).LayerNorm, As<T, double>(x), As<T, double>(weight), As<T, double>(bias), As<T, double>(y), c, As<T, double>(eps), x.Length / c);
        if (GuardZones.Enabled) GuardZones.Check("RowKernels.LayerNorm");
    }

    private static void Rows<U>(delegate*<RowArgs<U>*, int, int, void> kernel, ReadOnlySpan<U> a, ReadOnlySpan<U> b, ReadOnlySpan<U> c, Span<U> d, int length, U scalar, int rows)
        where U : unmanaged
    {
        fixed (U* pa = a)
        fixed (U* pb = b)
        fixed (U* pc = c)
        fixed (U* pd = d)
        {
            var args = new RowArgs<U> { A = pa, B = pb, C = pc, D = pd, Length = length, Scalar = scalar };
            ParallelRows.Run(kernel, &args, rows);
        }
    }

    /// <summary>
    /// LayerNorm's backward over rows of length c (see <see cref="Adjoint.LayerNorm{T}"/>); an empty span skips that
    /// gradient. Two phases, each over both cores when large: dx by rows (each row's means need the whole row), keeping
    /// each row's mean and rstd; then dWeight and dBias, sums over the rows, by columns (each column summed in row order on
    /// one thread: the same numbers on any number of cores).
    /// </summary>
    public static void LayerNormBackward<T>(ReadOnlySpan<T> dY, ReadOnlySpan<T> x, ReadOnlySpan<T> weight, T eps, Span<T> dx, Span<T> dWeight, Span<T> dBias, int c, VectorWidth width, bool write = false)
    {
        if (c == 0) return;
        if (IsFloat<T>()) LayerNormBackwardCore(Table<float>(width), As<T, float>(dY), As<T, float>(x), As<T, float>(weight), As<T, float>(eps), As<T, float>(dx), As<T, float>(dWeight), As<T, float>(dBias), c, VectorCount(width, sizeof(float)), write);
        else LayerNormBackwardCore(Table<double>(width), As<T, double>(dY), As<T, double>(x), As<T, double>(weight), As<T, double>(eps), As<T, double>(dx), As<T, double>(dWeight), As<T, double>(dBias), c, VectorCount(width, sizeof(double)), write);
        if (GuardZones.Enabled) GuardZones.Check("RowKernels.LayerNormBackward");
    }

    private static void LayerNormBackwardCore<U>(RowTable<U> table, ReadOnlySpan<U> dY, ReadOnlySpan<U> x, ReadOnlySpan<U> weight, U eps, Span<U> dx, Span<U> dWeight, Span<U> dBias, int c, int lanes, bool write)
        where U : unmanaged
    {
        int rows = x.Length / c;
        bool parameters = dWeight.Length > 0 || dBias.Length > 0;
        using var moments = Scratch<U>.Rent(parameters ? 2 * rows : 0);
        fixed (U* pg = dY)
        fixed (U* px = x)
        fixed (U* pw = weight)
        fixed (U* pdx = dx)
        fixed (U* pdw = dWeight)
        fixed (U* pdb = dBias)
        fixed (U* pm = moments.Span)
        {
            var args = new RowArgs<U> { A = pg, B = px, C = pw, D = dx.Length == 0 ? null : pdx, G = parameters ? pm : null, Length = c, Scalar = eps };
            ParallelRows.Run(write ? table.LayerNormBackwardWrite : table.LayerNormBackward, &args, rows);
            if (!parameters) return;
            int parts = ColumnParts(c, lanes);
            var columns = new RowArgs<U>
            {
                A = pg, B = px, G = pm, E = dWeight.Length == 0 ? null : pdw, F = dBias.Length == 0 ? null : pdb,
                Length = c, Rows = rows, Parts = parts,
            };
            ParallelRows.Run(table.LayerNormParameters, &columns, parts, x.Length);
        }
    }

    /// <summary>
    /// Softmax cross-entropy over rows of length <paramref name="classes"/>: returns the mean loss when
    /// <paramref name="wantLoss"/> (else 0), and with <paramref name="into"/> not empty adds
    /// scale · (softmax(z) − onehot(target)) to it (writes it, with <paramref name="write"/>: a first contribution), each
    /// row's exponentials computed once for both. Rows run on both cores when large; the per-row losses are summed in
    /// order, in double.
    /// </summary>
    public static T CrossEntropy<T>(ReadOnlySpan<T> z, int[] targets, int rows, int classes, T scale, Span<T> into, bool wantLoss, VectorWidth width, bool write = false)
    {
        if (IsFloat<T>()) return As<float, T>((float)CrossEntropyCore(Table<float>(width), As<T, float>(z), targets, rows, classes, As<T, float>(scale), As<T, float>(into), wantLoss, write));
        return As<double, T>(CrossEntropyCore(Table<double>(width), As<T, double>(z), targets, rows, classes, As<T, double>(scale), As<T, double>(into), wantLoss, write));
    }

    private static double CrossEntropyCore<U>(RowTable<U> table, ReadOnlySpan<U> z, int[] targets, int rows, int classes, U scale, Span<U> into, bool wantLoss, bool write)
        where U : unmanaged, INumberBase<U>
    {
        if (rows == 0) return double.NaN;
        using var losses = Scratch<U>.Rent(wantLoss ? rows : 0);
        fixed (U* pz = z)
        fixed (U* pInto = into)
        fixed (U* pLoss = losses.Span)
        fixed (int* pTargets = targets)
        {
            var args = new RowArgs<U> { A = pz, C = pInto, D = wantLoss ? pLoss : null, Targets = pTargets, Length = classes, Scalar = scale };
            ParallelRows.Run(write ? table.CrossEntropyWrite : table.CrossEntropy, &args, rows);
        }
        if (GuardZones.Enabled) GuardZones.Check("RowKernels.CrossEntropy");
        if (!wantLoss) return 0;
        double sum = 0;
        foreach (U loss in losses.Span) sum += double.CreateTruncating(loss);
        return sum / rows;
    }
}
