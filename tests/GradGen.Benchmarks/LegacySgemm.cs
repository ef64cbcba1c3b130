using System;
using GradGen;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GradGen.Benchmarks;

/// <summary>
/// The float GEMM as it was before issue 14 (AVX2 + FMA only, 256-bit), kept verbatim so benchmarks compare before and after in one run.
/// Single-precision C[m, n] (+)= A[m, k] · B[k, n] on AVX2 + FMA: a 6 × 16 register-tiled micro-kernel over packed
/// panels of B, after BLIS.
/// </summary>
/// <remarks>
/// <para>A and B are read through strides (element offsets of row/column steps), so the backward shapes Aᵀ·B and A·Bᵀ read
/// the original storage in place: no transpose is materialised. C is row-major with leading dimension <c>ldc</c>.</para>
/// <para>Structure: for each block of <see cref="KC"/> inner indices, the part's columns of B are packed into panels 16
/// wide (zero-padded), so the micro-kernel reads B contiguously; A is not packed (its 6 × KC strip is cache-resident
/// whether A is row-major or transposed). Each micro-kernel call keeps a 6 × 16 tile of C in twelve 256-bit
/// registers: per inner index, two loads of B, six broadcasts of A and twelve fused multiply-adds.</para>
/// <para>Parallelism: one fork/join per product (<see cref="WorkerPool"/>), only when the product has at least
/// <see cref="ParallelMacs"/> multiply-adds. Columns are split when there are enough of them (each chunk then packs only
/// its own columns of B: packing is parallel and nothing is done twice), rows otherwise. Pack buffers are
/// per-thread and reused, so a call allocates nothing in steady state.</para>
/// </remarks>
[SkipLocalsInit]
internal static unsafe class LegacySgemm
{
    private const int MR = 6;
    private const int NR = 16;
    private const int KC = 256;
    private const int MC = 120;

    /// <summary>Products with fewer multiply-adds than this run on the calling thread only.</summary>
    internal const long ParallelMacs = 1L << 20;

    /// <summary>True when the AVX2/FMA kernel runs on this machine.</summary>
    public static bool IsSupported => Fma.IsSupported && Avx2.IsSupported;

    [ThreadStatic] private static float[]? t_packB;

    [ThreadStatic] private static Job? t_job;

    /// <summary>
    /// c[i·ldc + j] (+)= Σ_p a[i·aRow + p·aInner] · b[p·bInner + j·bCol] for i &lt; m, j &lt; n, p &lt; k. With
    /// <paramref name="overwrite"/>, C's previous contents are ignored (C = A·B); otherwise they are accumulated into.
    /// </summary>
    public static void Multiply(int m, int n, int k, float* a, nint aRow, nint aInner, float* b, nint bInner, nint bCol, float* c, nint ldc, bool overwrite)
    {
        if (m <= 0 || n <= 0) return;
        if (k <= 0)
        {
            if (overwrite) for (int i = 0; i < m; i++) new Span<float>(c + i * ldc, n).Clear();
            return;
        }
        var job = t_job ??= new Job();
        job.Set(m, n, k, a, aRow, aInner, b, bInner, bCol, c, ldc, overwrite);
        int chunks = 1;
        job.SplitColumns = false;
        if ((long)m * n * k >= ParallelMacs && WorkerPool.Threads > 1)
        {
            // Split columns when every chunk gets at least two panels, rows otherwise (at least four strips a chunk);
            // a few chunks per thread, so a thread the OS did not schedule delays the product by one chunk at most.
            int panels = (n + NR - 1) / NR, strips = (m + MR - 1) / MR;
            int wanted = 4 * WorkerPool.Threads;
            job.SplitColumns = panels >= 2 * WorkerPool.Threads;
            chunks = job.SplitColumns ? Math.Min(wanted, panels / 2) : Math.Min(wanted, strips / 4);
        }
        job.Chunks = Math.Max(1, chunks);
        // Every chunk of this job packs into a buffer of the job's widest chunk, and the caller sizes its own now: which
        // thread runs which chunk varies from call to call, but what the calling thread allocates does not.
        job.PackLength = job.WidestPanels() * NR * Math.Min(KC, k);
        PackBuffer(job.PackLength);
        if (job.Chunks == 1) job.Run(0, 1);
        else WorkerPool.Run(job, job.Chunks);
        job.Clear();
    }

    /// <summary>This thread's pinned packing buffer, grown to at least <paramref name="length"/> floats.</summary>
    private static float[] PackBuffer(int length)
    {
        var pack = t_packB;
        if (pack is null || pack.Length < length) t_packB = pack = GC.AllocateUninitializedArray<float>(length, pinned: true);
        return pack;
    }

    private sealed class Job : IParallelJob
    {
        private int _m, _n, _k;
        private float* _a, _b, _c;
        private nint _aRow, _aInner, _bInner, _bCol, _ldc;
        private bool _overwrite;
        public bool SplitColumns;
        public int Chunks;
        public int PackLength;

        /// <summary>The most column panels any one chunk covers (chunk boundaries are ⌊panels·part/parts⌋).</summary>
        public int WidestPanels()
        {
            int panels = (_n + NR - 1) / NR;
            return SplitColumns ? (panels + Chunks - 1) / Chunks : panels;
        }

        public void Set(int m, int n, int k, float* a, nint aRow, nint aInner, float* b, nint bInner, nint bCol, float* c, nint ldc, bool overwrite)
        {
            _m = m; _n = n; _k = k;
            _a = a; _aRow = aRow; _aInner = aInner;
            _b = b; _bInner = bInner; _bCol = bCol;
            _c = c; _ldc = ldc; _overwrite = overwrite;
        }

        public void Clear()
        {
            _a = null; _b = null; _c = null;
        }

        public void Run(int part, int parts)
        {
            if (SplitColumns)
            {
                int panels = (_n + NR - 1) / NR;
                int j0 = (int)((long)panels * part / parts) * NR, j1 = Math.Min(_n, (int)((long)panels * (part + 1) / parts) * NR);
                Block(0, _m, j0, j1);
            }
            else
            {
                int strips = (_m + MR - 1) / MR;
                int i0 = (int)((long)strips * part / parts) * MR, i1 = Math.Min(_m, (int)((long)strips * (part + 1) / parts) * MR);
                Block(i0, i1, 0, _n);
            }
        }

        /// <summary>C[i0..i1, j0..j1] for all inner indices, on the calling thread.</summary>
        private void Block(int i0, int i1, int j0, int j1)
        {
            if (i0 >= i1 || j0 >= j1) return;
            int width = j1 - j0;
            int panels = (width + NR - 1) / NR;
            float* packed = (float*)Unsafe.AsPointer(ref PackBuffer(PackLength)[0]);
            for (int pc = 0; pc < _k; pc += KC)
            {
                int kc = Math.Min(KC, _k - pc);
                PackB(_b + pc * _bInner + j0 * _bCol, _bInner, _bCol, kc, width, packed);
                bool overwrite = _overwrite && pc == 0;
                for (int ic = i0; ic < i1; ic += MC)
                {
                    int icEnd = Math.Min(i1, ic + MC);
                    for (int q = 0; q < panels; q++)
                    {
                        int j = j0 + q * NR;
                        int cols = Math.Min(NR, j1 - j);
                        float* panel = packed + q * NR * kc;
                        for (int i = ic; i < icEnd; i += MR)
                        {
                            Kernel(kc, _a + i * _aRow + pc * _aInner, _aRow, _aInner, panel, _c + i * _ldc + j, _ldc, Math.Min(MR, icEnd - i), cols, overwrite);
                        }
                    }
                }
            }
        }
    }

    /// <summary>Packs B[0..kc, 0..width] (strided) into panels of 16 columns: panel q holds kc rows of 16 values, zero-padded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB(float* b, nint inner, nint col, int kc, int width, float* packed)
    {
        for (int j0 = 0; j0 < width; j0 += NR)
        {
            int cols = Math.Min(NR, width - j0);
            float* source = b + j0 * col;
            float* target = packed + j0 * kc;
            if (col == 1 && cols == NR)
            {
                for (int p = 0; p < kc; p++, source += inner, target += NR)
                {
                    Avx.Store(target, Avx.LoadVector256(source));
                    Avx.Store(target + 8, Avx.LoadVector256(source + 8));
                }
            }
            else if (inner == 1)
            {
                // Column-contiguous B (a transposed operand): walk each column down, so reads are sequential.
                // Whole 8 × 8 blocks (8 inner indices of 8 columns) are transposed in registers; the rest one by one.
                int blocked = cols == NR ? kc & ~7 : 0;
                for (int p = 0; p < blocked; p += 8)
                {
                    BlockTranspose.Block(ref source[p], (int)col, ref target[p * NR], NR, accumulate: false);
                    BlockTranspose.Block(ref source[8 * col + p], (int)col, ref target[p * NR + 8], NR, accumulate: false);
                }
                if (cols < NR) new Span<float>(target, kc * NR).Clear();
                for (int j = 0; j < cols; j++)
                {
                    float* s = source + j * col;
                    for (int p = blocked; p < kc; p++) target[p * NR + j] = s[p];
                }
            }
            else
            {
                for (int p = 0; p < kc; p++, source += inner, target += NR)
                {
                    int j = 0;
                    if (col == 1) new ReadOnlySpan<float>(source, j = cols).CopyTo(new Span<float>(target, cols));
                    for (; j < cols; j++) target[j] = source[j * col];
                    for (; j < NR; j++) target[j] = 0f;
                }
            }
        }
    }

    /// <summary>
    /// C tile [rows × cols] (+)= A strip (rows × kc, strided) · packed panel (kc × 16). Missing rows re-read row 0 and are
    /// discarded; a partial tile goes through a stack buffer.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel(int kc, float* a, nint aRow, nint aInner, float* b, float* c, nint ldc, int rows, int cols, bool overwrite)
    {
        float* a0 = a;
        float* a1 = a + (rows > 1 ? aRow : 0);
        float* a2 = a + (rows > 2 ? 2 * aRow : 0);
        float* a3 = a + (rows > 3 ? 3 * aRow : 0);
        float* a4 = a + (rows > 4 ? 4 * aRow : 0);
        float* a5 = a + (rows > 5 ? 5 * aRow : 0);
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        nint o = 0;
        for (int p = 0; p < kc; p++, o += aInner, b += NR)
        {
            Vector256<float> b0 = Avx.LoadVector256(b), b1 = Avx.LoadVector256(b + 8);
            Vector256<float> x = Avx.BroadcastScalarToVector256(a0 + o);
            c00 = Fma.MultiplyAdd(x, b0, c00); c01 = Fma.MultiplyAdd(x, b1, c01);
            x = Avx.BroadcastScalarToVector256(a1 + o);
            c10 = Fma.MultiplyAdd(x, b0, c10); c11 = Fma.MultiplyAdd(x, b1, c11);
            x = Avx.BroadcastScalarToVector256(a2 + o);
            c20 = Fma.MultiplyAdd(x, b0, c20); c21 = Fma.MultiplyAdd(x, b1, c21);
            x = Avx.BroadcastScalarToVector256(a3 + o);
            c30 = Fma.MultiplyAdd(x, b0, c30); c31 = Fma.MultiplyAdd(x, b1, c31);
            x = Avx.BroadcastScalarToVector256(a4 + o);
            c40 = Fma.MultiplyAdd(x, b0, c40); c41 = Fma.MultiplyAdd(x, b1, c41);
            x = Avx.BroadcastScalarToVector256(a5 + o);
            c50 = Fma.MultiplyAdd(x, b0, c50); c51 = Fma.MultiplyAdd(x, b1, c51);
        }

        if (rows == MR && cols == NR)
        {
            Store(c, c00, c01, overwrite);
            Store(c + ldc, c10, c11, overwrite);
            Store(c + 2 * ldc, c20, c21, overwrite);
            Store(c + 3 * ldc, c30, c31, overwrite);
            Store(c + 4 * ldc, c40, c41, overwrite);
            Store(c + 5 * ldc, c50, c51, overwrite);
            return;
        }

        float* tile = stackalloc float[MR * NR];
        Avx.Store(tile, c00); Avx.Store(tile + 8, c01);
        Avx.Store(tile + 16, c10); Avx.Store(tile + 24, c11);
        Avx.Store(tile + 32, c20); Avx.Store(tile + 40, c21);
        Avx.Store(tile + 48, c30); Avx.Store(tile + 56, c31);
        Avx.Store(tile + 64, c40); Avx.Store(tile + 72, c41);
        Avx.Store(tile + 80, c50); Avx.Store(tile + 88, c51);
        for (int r = 0; r < rows; r++)
        {
            float* row = c + r * ldc;
            float* t = tile + r * NR;
            if (overwrite) for (int j = 0; j < cols; j++) row[j] = t[j];
            else for (int j = 0; j < cols; j++) row[j] += t[j];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* row, Vector256<float> low, Vector256<float> high, bool overwrite)
    {
        if (!overwrite)
        {
            low = Avx.Add(low, Avx.LoadVector256(row));
            high = Avx.Add(high, Avx.LoadVector256(row + 8));
        }
        Avx.Store(row, low);
        Avx.Store(row + 8, high);
    }
}
