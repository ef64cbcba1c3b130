using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace GradGen;

/// <summary>
/// C[m, n] (+)= A[m, k] · B[k, n] in float or double at any vector width (128, 256, 512 bits): a register-tiled
/// micro-kernel over packed panels of B, after BLIS. One algorithm; the width is the type parameter
/// <typeparamref name="TS"/>, so the JIT compiles one copy per width with that width's instructions.
/// </summary>
/// <remarks>
/// <para>A and B are read through strides (element offsets of row/column steps), so the backward shapes Aᵀ·B and A·Bᵀ read
/// the original storage in place: no transpose is materialised. C is row-major with leading dimension <c>ldc</c>.</para>
/// <para>Structure: for each block of <see cref="KC"/> inner indices, the part's columns of B are packed into panels
/// NR = 2 vectors wide (zero-padded), so the micro-kernel reads B contiguously. A row-major A is read in place (a strip's
/// MR rows are MR sequential streams); a transposed or strided A — the weight gradient Aᵀ·Ȳ — is packed into strips of MR
/// values per inner index, unless the product is split by columns (each chunk would pack all of A again), and so is a
/// row-major A whose MR row streams would share one L1 set (<see cref="RowsAlias"/>), split or not, when every chunk has
/// four panels or more to reuse the strips. The blocks of
/// inner indices are spread evenly (at most KC each). Each micro-kernel call keeps an MR × NR tile of C in 2·MR
/// registers: per inner index, two loads of B, MR broadcasts of A and 2·MR fused multiply-adds. MR is 6 where there
/// are 16 vector registers (x64 up to AVX2: 12 accumulators) and 12 where there are 32 (AVX-512, ARM64: 24).</para>
/// <para>Every element of C is one sum over the inner index in the same order (one accumulator per element, blocks of
/// KC added in order), so all widths give the same result up to fused versus separate multiply-add.</para>
/// <para>Parallelism: one fork/join per product (<see cref="WorkerPool"/>), only when the product has at least
/// <see cref="Sgemm.ParallelMacs"/> multiply-adds. Columns are split when there are enough of them (each chunk then
/// packs only its own columns of B: packing is parallel and nothing is done twice), rows otherwise (every row chunk
/// reads all of B, so B is first packed once, in parallel by panels, into a buffer the row chunks share), in one chunk per
/// thread (each further chunk would read the shared operand once more). Pack buffers are
/// per-thread and reused, so a call allocates nothing in steady state.</para>
/// </remarks>
[SkipLocalsInit]
internal static unsafe partial class PackedGemm<T, TV, TS>
    where T : unmanaged
    where TV : struct
    where TS : struct, ISimd<T, TV>
{
    private const int KC = 256;
    private const int MC = 120; // a multiple of both tile heights (6, 12)

    private static int MR => TS.Rows;
    private static int NR => 2 * TS.Count;

    [ThreadStatic] private static T[]? t_packB;

    [ThreadStatic] private static T[]? t_packA;

    [ThreadStatic] private static T[]? t_packShared;

    /// <summary>The most elements of B packed once for all row chunks (beyond, each chunk packs its own: 4 MB of float).</summary>
    private const long SharedPackLimit = 1 << 20;

    [ThreadStatic] private static Job? t_job;

    /// <summary>
    /// c[i·ldc + j] (+)= Σ_p a[i·aRow + p·aInner] · b[p·bInner + j·bCol] for i &lt; m, j &lt; n, p &lt; k. With
    /// <paramref name="overwrite"/>, C's previous contents are ignored (C = A·B); otherwise they are accumulated into.
    /// With <paramref name="bias"/> (n values) the store of the last block of inner indices adds bias[j] to each element
    /// of column j, then with <paramref name="relu"/> takes max(·, 0): the same numbers as a separate pass over C after
    /// the product, bit for bit (each element is its whole sum, plus the bias, then the maximum), without that pass.
    /// </summary>
    public static void Multiply(int m, int n, int k, T* a, nint aRow, nint aInner, T* b, nint bInner, nint bCol, T* c, nint ldc, bool overwrite, T* bias = null, bool relu = false)
    {
        if (m <= 0 || n <= 0) return;
        if (k <= 0)
        {
            for (int i = 0; i < m; i++)
            {
                if (overwrite) new Span<T>(c + i * ldc, n).Clear();
                if (bias != null || relu) StoreValues(c + i * ldc, c + i * ldc, 0, n, overwrite: true, bias, relu); // C's own values, plus the bias, then ReLU
            }
            return;
        }
        var job = t_job ??= new Job();
        job.Set(m, n, k, a, aRow, aInner, b, bInner, bCol, c, ldc, overwrite);
        job.Bias = bias;
        job.Relu = relu;
        int chunks = 1;
        job.SplitColumns = false;
        if ((long)m * n * k >= Sgemm.ParallelMacs && WorkerPool.Threads > 1)
        {
            // Split columns when every chunk gets at least two panels, rows otherwise (at least four strips a chunk);
            // one chunk per thread: every chunk reads all of the operand it shares with the others (A when columns are
            // split, the packed B when rows are), so each extra chunk is one more pass over it from a cache farther out.
            // Four chunks a thread (kept until 2026-12-07) cost 2–17 % on the products of TinyGpt and the MLP on a quiet
            // machine and gained nothing with a busy thread beside them (docs/performance.md, "Run O").
            int panels = job.Panels, strips = (m + MR - 1) / MR;
            int wanted = WorkerPool.Threads;
            // A transposed A is packed only where each chunk packs its own rows of it (a column chunk would pack all of
            // A again): so it splits rows when it is taller than wide, and columns, unpacked, otherwise.
            job.SplitColumns = panels >= 2 * WorkerPool.Threads && (aInner == 1 || n >= m || strips < 4 * WorkerPool.Threads);
            chunks = job.SplitColumns ? Math.Min(wanted, panels / 2) : Math.Min(wanted, strips / 4);
        }
        job.Chunks = Math.Max(1, chunks);
        // A row-major A is packed only when its strip's rows evict each other and each chunk's panels repay the packing.
        job.PacksA = aInner != 1 ? !job.SplitColumns : RowsAlias(aRow) && job.WidestPanels() >= 4;
        if (job.PacksA && aInner == 1) KernelCounters.AliasedRowsPacked++;
        // Row chunks all read every column of B: packed once, in parallel by panels, before they start (each would
        // otherwise pack all of B itself), when that fits a bounded buffer of the calling thread.
        job.SharedB = null;
        if (!job.SplitColumns && job.Chunks > 1 && (long)k * job.Panels * NR <= SharedPackLimit)
        {
            job.SharedB = Buffer(ref t_packShared, k * job.Panels * NR);
        }
        // Every chunk of this job packs into a buffer of the job's widest chunk, and the caller sizes its own now: which
        // thread runs which chunk varies from call to call, but what the calling thread allocates does not.
        job.PackLength = job.SharedB == null ? job.WidestPanels() * NR * job.Depth : 0;
        if (job.PackLength > 0) Buffer(ref t_packB, job.PackLength);
        if (job.PacksA) Buffer(ref t_packA, MC / MR * StripStride(job.Depth));
        if (job.SharedB != null)
        {
            job.Packing = true;
            WorkerPool.Run(job, Math.Min(job.Panels, job.Chunks));
            job.Packing = false;
        }
        if (job.Chunks == 1) job.Run(0, 1);
        else WorkerPool.Run(job, job.Chunks);
        job.Clear();
        if (GuardZones.Enabled) GuardZones.Check($"PackedGemm<{typeof(T).Name}, {8 * Unsafe.SizeOf<TV>()}>.Multiply {m}×{n}×{k} (a {aRow}/{aInner}, b {bInner}/{bCol}, ldc {ldc})");
    }

    /// <summary>A pinned, 64-byte-aligned buffer of this thread (<see cref="PinnedBuffer.Get{T}"/>).</summary>
    private static T* Buffer(ref T[]? buffer, int length) => PinnedBuffer.Get(ref buffer, length, PackBufferName);

    private static readonly string PackBufferName = $"PackedGemm {8 * Unsafe.SizeOf<TV>()}-bit pack buffer";

    private sealed class Job : IParallelJob
    {
        private int _m, _n, _k;
        private T* _a, _b, _c;
        private nint _aRow, _aInner, _bInner, _bCol, _ldc;
        private bool _overwrite;
        public bool SplitColumns;
        /// <summary>Whether A's strips are packed (A read transposed or strided, and each chunk has rows of its own).</summary>
        public bool PacksA;
        public int Chunks;
        public int PackLength;
        /// <summary>All of B, packed once for the row chunks (block pc at pc · panels · NR); null when each chunk packs its own.</summary>
        public T* SharedB;
        /// <summary>Whether <see cref="Run"/> packs a part of <see cref="SharedB"/> instead of computing a part of C.</summary>
        public bool Packing;
        /// <summary>The product's column panels (NR wide, the last one partial) and the inner indices of a block (<see cref="BlockDepth"/>).</summary>
        public int Panels, Depth;
        /// <summary>The row added to every row of C when the last block is stored (null: none), and whether ReLU follows.</summary>
        public T* Bias;
        public bool Relu;

        /// <summary>The most column panels any one chunk covers (chunk boundaries are ⌊panels·part/parts⌋).</summary>
        public int WidestPanels() => SplitColumns ? (Panels + Chunks - 1) / Chunks : Panels;

        public void Set(int m, int n, int k, T* a, nint aRow, nint aInner, T* b, nint bInner, nint bCol, T* c, nint ldc, bool overwrite)
        {
            _m = m; _n = n; _k = k;
            Panels = (n + NR - 1) / NR;
            Depth = BlockDepth(k);
            _a = a; _aRow = aRow; _aInner = aInner;
            _b = b; _bInner = bInner; _bCol = bCol;
            _c = c; _ldc = ldc; _overwrite = overwrite;
        }

        public void Clear()
        {
            _a = null; _b = null; _c = null; SharedB = null; Bias = null;
        }

        public void Run(int part, int parts)
        {
            if (Packing)
            {
                // Panels q0..q1 of every block of inner indices.
                int panels = Panels, kcMax = Depth;
                int q0 = (int)((long)panels * part / parts), q1 = (int)((long)panels * (part + 1) / parts);
                int j0 = q0 * NR, width = Math.Min(_n, q1 * NR) - j0;
                for (int pc = 0; pc < _k && width > 0; pc += kcMax)
                {
                    int kc = Math.Min(kcMax, _k - pc);
                    PackB(_b + pc * _bInner + j0 * _bCol, _bInner, _bCol, kc, width, SharedB + pc * panels * NR + q0 * NR * kc);
                }
            }
            else if (SplitColumns)
            {
                int panels = Panels;
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
            int nr = NR, mr = MR;
            int panels = (width + nr - 1) / nr;
            int kcMax = Depth;
            T* packed = SharedB != null ? null : Buffer(ref t_packB, PackLength);
            T* packedA = PacksA ? Buffer(ref t_packA, MC / MR * StripStride(kcMax)) : null;
            for (int pc = 0; pc < _k; pc += kcMax)
            {
                int kc = Math.Min(kcMax, _k - pc);
                if (SharedB != null) packed = SharedB + pc * panels * nr; // a row chunk: j0 = 0, every panel
                else PackB(_b + pc * _bInner + j0 * _bCol, _bInner, _bCol, kc, width, packed);
                bool overwrite = _overwrite && pc == 0;
                // The epilogue (bias, ReLU) belongs to the store of each element's whole sum: the last block's.
                bool last = pc + kc >= _k;
                T* bias = last ? Bias : null;
                bool relu = last && Relu;
                for (int ic = i0; ic < i1; ic += MC)
                {
                    int icEnd = Math.Min(i1, ic + MC);
                    // A strip is read MR values per inner index; when those are not contiguous (A transposed or strided),
                    // each inner index is a new cache line (and with a power-of-two stride, the same few L1 sets): pack
                    // the block once into strips of MR × kc, which every panel then reads contiguously.
                    T* a = _a + ic * _aRow + pc * _aInner;
                    nint aRow = _aRow, aInner = _aInner, strip = mr * aRow;
                    if (packedA != null)
                    {
                        PackA(a, _aRow, _aInner, icEnd - ic, kc, packedA);
                        a = packedA;
                        (aRow, aInner, strip) = (1, mr, StripStride(kc));
                    }
                    for (int q = 0; q < panels; q++)
                    {
                        int j = j0 + q * nr;
                        int cols = Math.Min(nr, j1 - j);
                        T* panel = packed + q * nr * kc;
                        T* s = a;
                        for (int i = ic; i < icEnd; i += mr, s += strip)
                        {
                            Kernel(kc, s, aRow, aInner, panel, _c + i * _ldc + j, _ldc, Math.Min(mr, icEnd - i), cols, overwrite, bias == null ? null : bias + j, relu);
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// The inner indices one block covers: at most <see cref="KC"/>, spread evenly (k = 784 is four blocks of 196, not
    /// three of 256 and one of 16, whose packing and pass over C would cost as much as a full block).
    /// </summary>
    private static int BlockDepth(int k)
    {
        int blocks = (k + KC - 1) / KC;
        return (k + blocks - 1) / blocks;
    }

    /// <summary>
    /// Whether a strip's MR rows of a row-major A, <paramref name="row"/> elements apart, crowd one set of the L1 cache:
    /// an L1 way is 4 KB on every x64 and ARM64 core we target (32 KB 8-way, 48 KB 12-way), so rows a multiple of 4 KB
    /// apart share a set, and more than six of them (with B's panel and C's rows beside) evict each other every inner
    /// index. The 12-row tile's, with a row of 1,024 floats: the 512-bit kernel ran 1024³ at 17.9 ms in place and 13.3 ms
    /// with A packed (Zen 4, 2 threads, interleaved). Six rows sharing a set do not pay for the packing: the 6-row 256-bit
    /// tile at 1024³ the same either way, and slower packed where a chunk has few panels (768×1024×96: 712 against 1,068
    /// µs); the 12-row tile with rows 2 KB apart (six to a set) slower packed too (512³: 1,338 against 1,453 µs). Those
    /// figures are of packing element by element; with the 128-bit block transposes packing costs less (1024³ 12.7 against
    /// 11.5 ms in a faster minute), and the rule (more than six rows to a set, at least four panels a chunk) still holds.
    /// </summary>
    private static bool RowsAlias(nint row)
    {
        nint bytes = row * Unsafe.SizeOf<T>();
        int sharing = 0;
        for (int r = 0; r < MR; r++)
        {
            if ((r * bytes & 4095) < 64) sharing++;
        }
        return sharing > 6;
    }

    /// <summary>
    /// The distance between packed strips of A: MR values per inner index, and a vector of slack after the last, which the
    /// packing's whole-vector stores may write into.
    /// </summary>
    private static int StripStride(int kc) => MR * kc + TS.Count;

    /// <summary>
    /// Packs A[0..rows, 0..kc] (strided) into strips of MR rows: strip s holds, from s·<see cref="StripStride"/>, the MR
    /// values of each inner index p at p·MR (a last, partial strip holds only its rows; the kernel reads row 0 for the
    /// missing ones).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA(T* a, nint row, nint inner, int rows, int kc, T* packed)
    {
        int mr = MR, v = TS.Count, whole = (mr + v - 1) / v * v, stride = StripStride(kc);
        for (int i0 = 0; i0 < rows; i0 += mr, packed += stride)
        {
            int count = Math.Min(mr, rows - i0);
            T* source = a + i0 * row;
            T* target = packed;
            if (row == 1 && i0 + whole <= rows)
            {
                // The strip's values of one inner index are contiguous (A transposed): whole vectors, each store running
                // up to a vector past the MR values into the next index's place (written next) or the strip's slack.
                for (int p = 0; p < kc; p++, source += inner, target += mr)
                {
                    for (int u = 0; u < whole; u += v) TS.Store(TS.Load(source + u), target + u);
                }
            }
            else
            {
                // A row-major A (inner = 1): a whole strip is an MR × kc block transposed into kc × MR, in 128-bit blocks
                // (MR, 6 or 12, is a multiple of their side where it matters: RowsAlias packs only 12-row strips).
                int p0 = 0;
                int size = BlockTranspose.Block128Size<T>();
                if (inner == 1 && count == mr && mr % size == 0 && BlockTranspose.Applies<T>())
                {
                    for (p0 = 0; p0 + size <= kc; p0 += size)
                    {
                        for (int r = 0; r < mr; r += size)
                        {
                            BlockTranspose.Block128(ref *(source + r * row + p0), (int)row, ref *(target + p0 * mr + r), mr, accumulate: false);
                        }
                    }
                }
                source += p0 * inner;
                target += p0 * mr;
                for (int p = p0; p < kc; p++, source += inner, target += mr)
                {
                    for (int r = 0; r < count; r++) target[r] = source[r * row];
                }
            }
        }
    }

    /// <summary>Packs B[0..kc, 0..width] (strided) into panels of NR columns: panel q holds kc rows of NR values, zero-padded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB(T* b, nint inner, nint col, int kc, int width, T* packed)
    {
        int nr = NR, v = TS.Count;
        for (int j0 = 0; j0 < width; j0 += nr)
        {
            int cols = Math.Min(nr, width - j0);
            T* source = b + j0 * col;
            T* target = packed + j0 * kc;
            if (col == 1 && cols == nr)
            {
                for (int p = 0; p < kc; p++, source += inner, target += nr)
                {
                    TS.Store(TS.Load(source), target);
                    TS.Store(TS.Load(source + v), target + v);
                }
            }
            else if (inner == 1)
            {
                // Column-contiguous B (a transposed operand): walk each column down, so reads are sequential.
                // Whole blocks (256 bits of T square with AVX, else 128: inner indices × columns) are transposed in
                // registers; the rest one by one.
                int size = BlockTranspose.BlockSize<T>();
                int blocked = BlockTranspose.Applies<T>() && cols == nr && nr % size == 0 ? kc & -size : 0;
                for (int p = 0; p < blocked; p += size)
                {
                    for (int jb = 0; jb < nr; jb += size)
                    {
                        BlockTranspose.Block(ref *(source + jb * col + p), (int)col, ref *(target + p * nr + jb), nr, accumulate: false);
                    }
                }
                if (cols < nr) new Span<T>(target, kc * nr).Clear();
                for (int j = 0; j < cols; j++)
                {
                    T* s = source + j * col;
                    for (int p = blocked; p < kc; p++) target[p * nr + j] = s[p];
                }
            }
            else
            {
                for (int p = 0; p < kc; p++, source += inner, target += nr)
                {
                    int j = 0;
                    if (col == 1) new ReadOnlySpan<T>(source, j = cols).CopyTo(new Span<T>(target, cols));
                    for (; j < cols; j++) target[j] = source[j * col];
                    for (; j < nr; j++) target[j] = default;
                }
            }
        }
    }
}
