using System.Collections.Generic;
using System.Linq;
using GradGen.Generators.Helpers;
using GradGen.Generators.Model;

namespace GradGen.Generators.Differentiation;

/// <summary>
/// Plan: the pass that rewrites the IR by named rules, each exact (the planned method computes bit for bit what the
/// unplanned one does) and each visible in the generated comments — fusion of the forward IR before Differentiate
/// (<see cref="Fuse"/>), then, between Differentiate and Emit, the backward sweep:
/// <list type="bullet">
/// <item><b>first-write</b> — a tensor gradient whose first contribution comes from a kernel that can write it
/// (<see cref="OperandAdjoint.CanOverwrite"/>) is declared uninitialised and written, not zero-filled and added to
/// (0 + x = x exactly, so nothing changes but the work).</item>
/// <item><b>alias</b> — a gradient that starts as an exact copy of another buffer is that buffer, where neither is
/// written while both are read (<see cref="Alias"/>).</item>
/// <item><b>release</b> — a liveness-based memory plan: a gradient buffer the sweep declared is handed back to the workspace
/// after the last statement that reads it (or anything sharing it), so a later buffer of its shape reuses its memory.</item>
/// <item><b>write-if-asked</b> — a caller's tensor gradient whose first contribution can write it is written by it when the
/// caller asks for written gradients (<see cref="WriteIfAsked"/>).</item>
/// </list>
/// <c>[Differentiable(Plan = false)]</c> turns planning off for a method: the reference every planned form is tested against.
/// </summary>
internal static partial class Planner
{
    // ── fusion (before Differentiate: rewrites the forward IR) ───────────────────────────────

    /// <summary>
    /// The planned forward IR: <b>MatMul + bias</b> — <c>t = MatMul(a, b); y = t + c</c> with c a row vector ([N], its
    /// shape known) and t read by nothing else becomes <c>y = MatMulBias(a, b, c)</c>: the bias is added to the product in
    /// place, so the intermediate t is neither allocated nor taped (t stays in the IR, dead). The sums are the same, in the
    /// same order: bit for bit the unfused result, and the same gradients (the fused rule's adjoints are the two products'
    /// and the bias's). Then <b>+ ReLU</b> — <c>r = ReLU(y)</c> of such a y read by nothing else becomes
    /// <c>r = MatMulBiasRelu(a, b, c)</c>: bias and ReLU in one pass, and the backward's mask 1[t + c &gt; 0] read from r
    /// (the same, since r &gt; 0 exactly where t + c &gt; 0).
    /// </summary>
    public static MethodModel Fuse(MethodModel method)
    {
        if (!method.Planned) return method;
        var instructions = method.Instructions;
        var uses = new int[instructions.Count];
        foreach (var instruction in instructions)
        {
            foreach (var operand in instruction.Operands) uses[operand]++;
        }
        if (method.Result >= 0) uses[method.Result]++;
        Instruction[]? fused = null;
        var products = new Dictionary<int, Instruction>(); // fused add → the product it absorbed
        foreach (var add in instructions)
        {
            if (add.Op != OpKind.Add || add.Operands.Count != 2 || add.Type.Kind != ValueKind.Tensor) continue;
            var product = instructions[add.Operands[0]];
            var bias = instructions[add.Operands[1]];
            if (product.Op != OpKind.MatMul || uses[product.Id] != 1 || product.Region != add.Region || bias.Type.Kind != ValueKind.Tensor
                || !IsRowOf(bias.Shape, product.Shape) || product.Type.Element != add.Type.Element
                || ReadBetween(instructions, fused, product.Id, add.Id, product.Operands[0], product.Operands[1])) continue;
            fused ??= instructions.ToArray();
            products[add.Id] = product;
            fused[add.Id] = add with
            {
                Op = OpKind.MatMulBias,
                Operands = new[] { product.Operands[0], product.Operands[1], bias.Id }.ToEquatableArray(),
                Fused = "fused (planned): " + product.Name + " = " + instructions[product.Operands[0]].Name + "·" + instructions[product.Operands[1]].Name +
                        " and " + add.Name + " = " + product.Name + " + " + bias.Name + " as one product, the bias added in place (no intermediate " + product.Name + ")",
            };
        }
        // A·Bᵀ: a product with the transpose of a matrix read by nothing else reads the matrix transposed in place. (A
        // product the bias rule absorbed is dead: rewriting it changes nothing.)
        foreach (var product in instructions)
        {
            if (product.Op != OpKind.MatMul || product.Operands.Count != 2) continue;
            var transpose = instructions[product.Operands[1]];
            if (transpose.Op != OpKind.Transpose || uses[transpose.Id] != 1 || transpose.Region != product.Region
                || ReadBetween(instructions, fused, transpose.Id, product.Id, transpose.Operands[0])) continue;
            fused ??= instructions.ToArray();
            var matrix = instructions[transpose.Operands[0]];
            fused[product.Id] = product with
            {
                Op = OpKind.MatMulTransposed,
                Operands = new[] { product.Operands[0], matrix.Id }.ToEquatableArray(),
                Fused = "fused (planned): " + transpose.Name + " = " + matrix.Name + "ᵀ and " + product.Name + " = " + instructions[product.Operands[0]].Name + "·" + transpose.Name +
                        " as one product reading " + matrix.Name + " transposed in place (no copy " + transpose.Name + ", no gradient of it)",
            };
        }
        // GELU of a biased value: y = GELU(x + c), c a row of x and x + c read by nothing else, becomes y = BiasGelu(x, c) —
        // the bias and GELU in one pass, the pre-activation x + c never stored (the backward recomputes it from x and c
        // in its one pass, with the bias's row sum). After a product (x = MatMul(a, b), which the bias rule had absorbed
        // the addition into), the product is kept and taped instead: GELU′ needs the pre-activation, and re-adding c costs
        // an addition per element where recomputing a·b would cost a product.
        foreach (var gelu in instructions)
        {
            if (gelu.Op != OpKind.Gelu || gelu.Operands.Count != 1) continue;
            var add = instructions[gelu.Operands[0]];
            if (add.Op != OpKind.Add || add.Operands.Count != 2 || add.Type.Kind != ValueKind.Tensor || uses[add.Id] != 1 || add.Region != gelu.Region) continue;
            var x = instructions[add.Operands[0]];
            var bias = instructions[add.Operands[1]];
            if (x.Type.Kind != ValueKind.Tensor || bias.Type.Kind != ValueKind.Tensor || x.Id == bias.Id || !IsRowOf(bias.Shape, x.Shape)
                || x.Type.Element != add.Type.Element || bias.Type.Element != add.Type.Element || gelu.Type.Element != add.Type.Element
                || ReadBetween(instructions, fused, add.Id, gelu.Id, x.Id, bias.Id)) continue;
            fused ??= instructions.ToArray();
            var afterProduct = products.Remove(add.Id);
            fused[add.Id] = add; // the addition, dead now (the bias rule's MatMulBias undone: the product is read again)
            fused[gelu.Id] = gelu with
            {
                Op = OpKind.BiasGelu,
                Operands = new[] { x.Id, bias.Id }.ToEquatableArray(),
                TensorOperator = add.TensorOperator, // the user's + for the bias
                Fused = "fused (planned): " + add.Name + " = " + x.Name + " + " + bias.Name + " and " + gelu.Name + " = GELU(" + add.Name + ") as one pass (no intermediate " + add.Name +
                        "; the backward recomputes it from " + x.Name + " and " + bias.Name + " in the pass that also sums ∂L/∂" + bias.Name.TrimStart('@') +
                        (afterProduct ? "; the product " + x.Name + " is taped for it instead of fused with the bias" : "") + ")",
            };
        }
        // Attention heads: the q/k/v split and the merge of the heads, each one copy (FuseHeads).
        FuseHeads(instructions, uses, ref fused);
        if (fused is null) return method;

        // ReLU of a fused product: the bias and the ReLU in one pass over the product (no intermediate pre-activation).
        foreach (var relu in instructions)
        {
            if (relu.Op != OpKind.Relu || relu.Operands.Count != 1) continue;
            var inner = fused[relu.Operands[0]];
            if (!products.TryGetValue(inner.Id, out var product) || uses[inner.Id] != 1 || inner.Region != relu.Region
                || ReadBetween(instructions, fused, inner.Id, relu.Id, inner.Operands[0], inner.Operands[1], inner.Operands[2])) continue;
            fused[relu.Id] = relu with
            {
                Op = OpKind.MatMulBiasRelu,
                Operands = inner.Operands,
                TensorOperator = inner.TensorOperator, // the user's + for the bias
                Fused = "fused (planned): " + product.Name + " = " + instructions[product.Operands[0]].Name + "·" + instructions[product.Operands[1]].Name + ", " +
                        inner.Name + " = " + product.Name + " + " + instructions[inner.Operands[2]].Name + " and " + relu.Name + " = ReLU(" + inner.Name + ") as one product, " +
                        "the bias and the ReLU applied in place (no intermediates " + product.Name + ", " + inner.Name + "; ReLU′ read from " + relu.Name + ")",
            };
        }
        return method with { Instructions = fused.ToEquatableArray() };
    }

    /// <summary>
    /// Whether an instruction after <paramref name="from"/> and before <paramref name="to"/> reads one of <paramref name="operands"/>.
    /// A fusion moves the contributions of the absorbed step (<paramref name="from"/>) to those operands' gradients to the
    /// consumer's place (<paramref name="to"/>) in the backward sweep; such a read in between adds its own contribution to
    /// the same gradient on the other side of them — the same sum in another order, another rounding. Every rule is exact
    /// (bit for bit the unplanned method), so a fusion with a read in between is not made.
    /// </summary>
    private static bool ReadBetween(EquatableArray<Instruction> instructions, Instruction[]? fused, int from, int to, params int[] operands)
    {
        for (var k = from + 1; k < to; k++)
        {
            // As written, and as an earlier rule rewrote it (a fused MatMulBias reads the product's operands itself).
            if (Reads(instructions[k]) || fused is not null && Reads(fused[k])) return true;
        }
        return false;

        bool Reads(Instruction instruction)
        {
            foreach (var operand in instruction.Operands)
            {
                if (System.Array.IndexOf(operands, operand) >= 0) return true;
            }
            return false;
        }
    }

    /// <summary>
    /// A bias the compiler knows to be a row of the product: rank 1, its length the product's last axis by the same symbol or
    /// literal (<c>[H]</c> for <c>[B, H]</c>, <c>[4*C]</c> for <c>[B, T, 4*C]</c>). (A declared member shape is not checked
    /// at run time: <c>Ops.MatMulBias</c> still adds a bias that is not such a row as <c>+</c> would.)
    /// </summary>
    private static bool IsRowOf(string? bias, string? product)
    {
        if (bias is null || product is null || !bias.StartsWith("[", System.StringComparison.Ordinal) || bias.IndexOf(',') >= 0 || bias == "[]") return false;
        var last = product.LastIndexOf(',');
        return last >= 0 && product.Substring(last + 1).Trim() == bias.Substring(1).Trim() && bias.Trim() != "[?]";
    }

    public static EquatableArray<BackwardStatement> Plan(MethodModel method, EquatableArray<BackwardStatement> backward, GeneratedNames names)
    {
        if (!method.Planned) return backward;
        var instructions = method.Instructions;
        var statements = FirstWrite(backward, instructions);
        statements = Tile(statements, instructions);
        var carried = new HashSet<string>();
        foreach (var statement in statements) Walk(statement, s =>
        {
            if (s is AssignGradient assign)
            {
                carried.Add(assign.Target);
                carried.Add(assign.From);
            }
        });
        statements = Alias(statements, instructions, carried);
        return WriteIfAsked(Release(statements, instructions, carried), method, names, instructions).ToEquatableArray();
    }

    // ── first-write ──────────────────────────────────────────────────────────────────────────

    /// <summary>
    /// Rewrites <c>Declare(v) ; Accumulate(…, into v)</c> (adjacent, in any statement list) into an uninitialised declaration
    /// and a writing kernel, where the adjoint's kernel can write; and <c>Declare(v) ; Add(v, from)</c> into a copy.
    /// </summary>
    private static List<BackwardStatement> FirstWrite(IEnumerable<BackwardStatement> statements, EquatableArray<Instruction> instructions)
    {
        var result = new List<BackwardStatement>();
        var list = Sink(statements.ToList(), instructions).Select(s => FirstWriteIn(s, instructions)).ToList();
        KernelFirstWrite(list, instructions);
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is DeclareGradient { Uninitialized: false } declare && i + 1 < list.Count && list[i + 1] is Accumulate accumulate
                && instructions[declare.Value].Type.Kind == ValueKind.Tensor && CanWriteFirst(accumulate, declare.Name, instructions))
            {
                result.Add(declare with { Uninitialized = true });
                result.Add(accumulate with { Store = Store.Write });
                i++;
                continue;
            }
            if (list[i] is DeclareGradient { Uninitialized: false } declared && i + 1 < list.Count && list[i + 1] is AddGradient { Store: Store.Add } add
                && add.Target == declared.Name && instructions[declared.Value].Type.Kind == ValueKind.Tensor)
            {
                // A gradient that starts as a copy of another (a loop's carried gradient, a branch's merged one).
                result.Add(declared with { Uninitialized = true });
                result.Add(add with { Store = Store.Write });
                i++;
                continue;
            }
            result.Add(list[i]);
        }
        return result;
    }

    /// <summary>
    /// Moves a zero declaration that the plan put ahead of its use (a loop's carried gradient, declared at the top of the
    /// iteration) down to the rule block whose first statement naming it is a contribution that can write it — nothing in
    /// between names it — so that first-write applies there. The block prints inline, in the same C# scope.
    /// </summary>
    private static List<BackwardStatement> Sink(List<BackwardStatement> list, EquatableArray<Instruction> instructions)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is not DeclareGradient { Uninitialized: false } declare || instructions[declare.Value].Type.Kind != ValueKind.Tensor) continue;
            var j = i + 1;
            while (j < list.Count && !Mentions(list[j], declare.Name)) j++;
            if (j == list.Count || list[j] is not RuleBlock block) continue;
            var k = 0;
            while (k < block.Statements.Count && !Mentions(block.Statements[k], declare.Name)) k++;
            if (k == block.Statements.Count || !CanWriteFirst(block.Statements[k], declare.Name, instructions)) continue;
            var statements = block.Statements.ToList();
            statements.Insert(k, declare);
            list[j] = block with { Statements = statements.ToEquatableArray() };
            list.RemoveAt(i);
            i--;
        }
        return list;

        static bool Mentions(BackwardStatement statement, string name)
        {
            var found = false;
            Walk(statement, s => found |= Names(s).Any(n => Root(n) == name));
            return found;
        }
    }

    /// <summary>
    /// Whether <paramref name="statement"/> is a contribution to <paramref name="name"/> that first-write can make a write: an
    /// adjoint whose kernel can overwrite, or a fused kernel that can write its first operand's gradient (and adds into no
    /// other target that is the same buffer).
    /// </summary>
    private static bool CanWriteFirst(BackwardStatement statement, string name, EquatableArray<Instruction> instructions) => statement switch
    {
        Accumulate { Store: Store.Add, Tiled: false } accumulate when accumulate.Target == name =>
            Differentiator.RuleOf(instructions[accumulate.Instruction], instructions).Adjoints[accumulate.Operand] is { CanOverwrite: true },
        AccumulateAll all when all.Targets.Count > 0 && all.Targets[0] == name && all.StoreOf(0) == Store.Add => KernelCanWrite(all, 0, instructions),
        _ => false,
    };

    /// <summary>Whether a fused kernel can write operand k's gradient, the only one of its targets that is that buffer.</summary>
    private static bool KernelCanWrite(AccumulateAll all, int k, EquatableArray<Instruction> instructions) =>
        Differentiator.RuleOf(instructions[all.Instruction], instructions).KernelCanWrite(k) && !all.Targets.Where((t, i) => i != k && t == all.Targets[k]).Any();

    /// <summary>
    /// First write of a fused kernel (<see cref="Rule.KernelWrites"/>, its first operand's): <c>Declare(v) ; …declarations… ;
    /// AccumulateAll(into v, …)</c> with v its first operand's gradient becomes an uninitialised declaration and a writing kernel.
    /// </summary>
    private static void KernelFirstWrite(List<BackwardStatement> list, EquatableArray<Instruction> instructions)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is not AccumulateAll all || all.Targets.Count == 0 || all.Targets[0].Length == 0 || !CanWriteFirst(all, all.Targets[0], instructions)) continue;
            for (var j = i - 1; j >= 0 && list[j] is DeclareGradient declare; j--)
            {
                if (declare.Name != all.Targets[0] || declare.Uninitialized || instructions[declare.Value].Type.Kind != ValueKind.Tensor) continue;
                list[j] = declare with { Uninitialized = true };
                list[i] = all.Storing(0, Store.Write);
                break;
            }
        }
    }

    private static BackwardStatement FirstWriteIn(BackwardStatement statement, EquatableArray<Instruction> instructions) => statement switch
    {
        RuleBlock block => block with { Statements = FirstWrite(block.Statements, instructions).ToEquatableArray() },
        CallBlock block => CallFirstWrite(block with { Statements = FirstWrite(block.Statements, instructions).ToEquatableArray() }, instructions),
        Sequence sequence => sequence with { Statements = FirstWrite(sequence.Statements, instructions).ToEquatableArray() },
        ElementsBlock elements => elements with { Statements = FirstWrite(elements.Statements, instructions).ToEquatableArray() },
        ReverseLoop loop => loop with { Body = FirstWrite(loop.Body, instructions).ToEquatableArray() },
        BranchBlock branch => branch with { Then = FirstWrite(branch.Then, instructions).ToEquatableArray(), Else = FirstWrite(branch.Else, instructions).ToEquatableArray() },
        _ => statement,
    };

    // ── release ──────────────────────────────────────────────────────────────────────────────

    /// <summary>
    /// The memory plan of one statement list (the method's sweep, a loop body, a branch side): each gradient buffer declared
    /// in the list's scope — by a statement of the list or one printed inline in it (a rule's or call's block, a sequence) —
    /// is released after the list's last statement that names it or a buffer it may share (a handed-on gradient is its
    /// upstream buffer when the shapes agree). Buffers a loop carries between iterations, declared before a loop or branch,
    /// or paths into a caller's gradients are never released.
    /// </summary>
    private static List<BackwardStatement> Release(List<BackwardStatement> statements, EquatableArray<Instruction> instructions, HashSet<string> carried)
    {
        var list = InNestedScopes(statements, scope => Release(scope, instructions, carried));

        // The buffers this scope declares (tensor gradients), and which of them may share one buffer.
        var owner = new Dictionary<string, string>(); // buffer name → representative of its sharing class
        var value = new Dictionary<string, int>();
        string Find(string name) => owner[name] == name ? name : owner[name] = Find(owner[name]);
        var excluded = new HashSet<string>();
        foreach (var statement in list)
        {
            Inline(statement, s =>
            {
                switch (s)
                {
                    case DeclareGradient declare when instructions[declare.Value].Type.Kind == ValueKind.Tensor:
                        owner[declare.Name] = declare.Name;
                        value[declare.Name] = declare.Value;
                        break;
                    case HandOnGradient handOn:
                        owner[handOn.Name] = handOn.Name;
                        value[handOn.Name] = handOn.Value;
                        if (owner.ContainsKey(handOn.From)) owner[handOn.Name] = Find(handOn.From);
                        else excluded.Add(handOn.Name); // it may be a buffer declared outside this scope
                        break;
                }
            });
        }
        foreach (var name in owner.Keys.ToList())
        {
            if (excluded.Contains(name) || carried.Contains(name)) excluded.Add(Find(name));
        }

        // Last statement of the list that names each sharing class.
        var last = new Dictionary<string, int>();
        for (var i = 0; i < list.Count; i++)
        {
            Walk(list[i], s =>
            {
                foreach (var name in Names(s))
                {
                    var root = Root(name);
                    if (owner.ContainsKey(root)) last[Find(root)] = i;
                }
            });
        }

        // Every name of a class is released: a handed-on buffer is its upstream's only when the shapes agree (the workspace
        // ignores a second release of one buffer).
        var classes = owner.Keys.Where(n => !excluded.Contains(Find(n)) && last.ContainsKey(Find(n))).GroupBy(Find).ToList();
        var result = new List<BackwardStatement>();
        for (var i = 0; i < list.Count; i++)
        {
            result.Add(list[i]);
            foreach (var names in classes.Where(c => last[c.Key] == i))
            {
                result.Add(new ReleaseGradient(names.Select(n => value[n]).ToEquatableArray(), names.ToEquatableArray()));
            }
        }
        return result;
    }

    /// <summary>
    /// The statements with <paramref name="pass"/> applied to each scope nested in them — a loop's body, a branch's sides —
    /// each its own sequence of statements (a scope-wise pass runs there first, then on the enclosing list).
    /// </summary>
    private static List<BackwardStatement> InNestedScopes(List<BackwardStatement> statements, System.Func<List<BackwardStatement>, List<BackwardStatement>> pass) =>
        statements.Select(s => s switch
        {
            ReverseLoop loop => loop with { Body = pass(loop.Body.ToList()).ToEquatableArray() },
            BranchBlock branch => branch with { Then = pass(branch.Then.ToList()).ToEquatableArray(), Else = pass(branch.Else.ToList()).ToEquatableArray() },
            _ => s,
        }).ToList();

    /// <summary>The buffer a gradient expression names: <c>dW</c> of <c>dW[i]</c> or <c>dW.Bias</c>.</summary>
    private static string Root(string name)
    {
        var end = name.IndexOfAny(new[] { '[', '.' });
        return end < 0 ? name : name.Substring(0, end);
    }

    /// <summary>The gradient names a statement itself reads or writes (not those of statements nested in it).</summary>
    private static IEnumerable<string> Names(BackwardStatement statement) => statement switch
    {
        RuleBlock block => new[] { block.Upstream },
        CallBlock block => block.Arguments.Where(a => a.Gradient is not null).Select(a => a.Gradient!).Append(block.Upstream),
        ReturnedAsIs returned => new[] { returned.Gradient, returned.Upstream },
        DeclareGradient declare => new[] { declare.Name },
        HandOnGradient handOn => new[] { handOn.Name, handOn.From },
        Accumulate accumulate => new[] { accumulate.Upstream, accumulate.Target },
        AccumulateAll all => all.Targets.Where(t => t.Length > 0).Append(all.Upstream),
        AddGradient add => new[] { add.Target, add.From },
        AssignGradient assign => new[] { assign.Target, assign.From },
        ReleaseGradient release => release.Names,
        _ => System.Array.Empty<string>(),
    };

    /// <summary>Visits a statement and every statement nested in it (loop bodies and branch sides included).</summary>
    private static void Walk(BackwardStatement statement, System.Action<BackwardStatement> visit)
    {
        visit(statement);
        foreach (var inner in Nested(statement, throughScopes: true)) Walk(inner, visit);
    }

    /// <summary>
    /// Visits a statement and the statements printed inline in its scope: not a loop's body or a branch's sides (their own
    /// C# blocks), but what is printed before and after them.
    /// </summary>
    private static void Inline(BackwardStatement statement, System.Action<BackwardStatement> visit)
    {
        visit(statement);
        foreach (var inner in Nested(statement, throughScopes: false)) Inline(inner, visit);
    }

    private static IEnumerable<BackwardStatement> Nested(BackwardStatement statement, bool throughScopes) => statement switch
    {
        RuleBlock block => block.Statements,
        CallBlock block => block.Statements,
        Sequence sequence => sequence.Statements,
        IfWanted wanted => new[] { wanted.Statement },
        ElementsBlock elements => elements.Statements,
        ReverseLoop loop => throughScopes ? loop.Before.Concat(loop.Body).Concat(loop.After) : loop.Before.Concat(loop.After),
        BranchBlock branch => throughScopes ? branch.Before.Concat(branch.Then).Concat(branch.Else) : branch.Before,
        _ => System.Array.Empty<BackwardStatement>(),
    };
}
