using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using GradGen.Generators.Helpers;
using GradGen.Generators.Model;

namespace GradGen.Generators.Differentiation;

/// <summary>
/// Shapes as IR facts: walks a lowered method forward and gives every tensor value the shape the compiler can know
/// (<see cref="Dim"/>s, or null for an unknown rank), from what the user declared (<c>[Shape]</c> on parameters and
/// weight members), literal and int-parameter sizes (<c>Reshape(x, B, T, 4)</c>, <c>Slice</c>), and each op's shape rule
/// (<see cref="Rule.Shape"/>). It reports the places where shapes certainly cannot agree — the op would throw at run time,
/// or System.Numerics.Tensors' operator would silently compute another shape than GradGen's forward.
/// </summary>
/// <remarks>
/// Invariants: unknown stays silent (a contradiction is reported only when it holds for every value of the symbols, with
/// lengths positive); an op whose operand shapes are unknown gets an unknown shape; the first contradiction on a path is
/// reported and the value it yields is unknown, so one mistake is one diagnostic.
/// </remarks>
internal sealed class ShapeInference
{
    private readonly EquatableArray<Instruction> _instructions;
    private readonly Dim[]?[] _shapes;
    private readonly List<(int Instruction, string Message)> _problems = new();

    private readonly IReadOnlyDictionary<int, CallShapes> _calls;

    /// <summary>Carried values whose shape an iteration may change: unknown.</summary>
    private readonly HashSet<int> _changing = new();

    private ShapeInference(MethodModel method, IReadOnlyDictionary<int, Dim[]> declared, IReadOnlyDictionary<int, CallShapes> calls)
    {
        _instructions = method.Instructions;
        _calls = calls;
        _shapes = new Dim[]?[_instructions.Count];
        // A carried value is first taken to keep its initial shape; where an iteration's yield does not certainly keep it,
        // the value's shape is unknown and the method is walked again (what was found under the wrong assumption is dropped).
        while (true)
        {
            _problems.Clear();
            foreach (var instruction in _instructions)
            {
                _shapes[instruction.Id] = declared.TryGetValue(instruction.Id, out var shape) ? shape : Infer(instruction);
            }
            var changing = _instructions.Where(i => i.Op == OpKind.Carried && _shapes[i.Id] is { } carried
                && !SameShape(carried, _shapes[Differentiator.YieldOf(_instructions[i.Region], _instructions).Operands[i.Index]])).Select(i => i.Id).ToList();
            if (changing.Count == 0) break;
            _changing.UnionWith(changing);
        }
    }

    private static bool SameShape(Dim[]? a, Dim[]? b) => a is not null && b is not null && a.Length == b.Length && a.Zip(b, Dim.CertainlyEqual).All(same => same);

    /// <summary>The shape of each value (null where unknown or not a tensor) and the certain contradictions, by instruction.</summary>
    public static (Dim[]?[] Shapes, IReadOnlyList<(int Instruction, string Message)> Problems) Run(MethodModel method, IReadOnlyDictionary<int, Dim[]> declared, IReadOnlyDictionary<int, CallShapes>? calls = null)
    {
        var inference = new ShapeInference(method, declared, calls ?? new Dictionary<int, CallShapes>());
        return (inference._shapes, inference._problems);
    }

    private Dim[]? Infer(Instruction instruction)
    {
        switch (instruction.Op)
        {
            case OpKind.Call:
                return _calls.TryGetValue(instruction.Id, out var call) ? Call(instruction, call) : null;
            case OpKind.Carried:
                // Its initial shape, while every iteration keeps it (checked after the walk).
                return _changing.Contains(instruction.Id) ? null : _shapes[Differentiator.InitialValue(_instructions[instruction.Region], instruction.Index)];
            case OpKind.LoopResult:
                return _instructions.FirstOrDefault(i => i.Op == OpKind.Carried && i.Region == instruction.Operands[0] && i.Index == instruction.Index) is { } carried ? _shapes[carried.Id] : null;
            case OpKind.IfResult:
            {
                // Both arms must certainly agree for the merged value to have their shape.
                var branch = _instructions[instruction.Operands[0]];
                var then = _shapes[Differentiator.YieldOf(branch, _instructions).Operands[instruction.Index]];
                var otherwise = _shapes[Differentiator.YieldOf(Differentiator.ElseOf(branch, _instructions), _instructions).Operands[instruction.Index]];
                return SameShape(then, otherwise) ? then : null;
            }
        }
        if (instruction.Type.Kind != ValueKind.Tensor || !Differentiator.HasRule(instruction.Op)) return null;
        var signature = new string(instruction.Operands.Select(o => Rules.Letter(_instructions[o].Type.Kind)).ToArray());
        if (Rules.Find(instruction.Op, signature) is not { } rule) return null;
        Dim[]? A(int k) => k < instruction.Operands.Count ? _shapes[instruction.Operands[k]] : null;
        switch (rule.Shape)
        {
            case ShapeRule.SameAsFirstTensor:
                return instruction.Operands.Select(o => _shapes[o]).FirstOrDefault(s => s is not null);
            case ShapeRule.Broadcast:
                return Broadcast(instruction, A(0), A(1));
            case ShapeRule.MatMul:
                return MatMul(instruction, A(0), A(1));
            case ShapeRule.Transpose:
                return A(0) is { Length: 2 } t ? new[] { t[1], t[0] } : null;
            case ShapeRule.ReduceAxis:
                return ReduceAxis(A(0), Integer(instruction.Operands[1]), Boolean(instruction.Operands[2]));
            case ShapeRule.LayerNorm:
                return LayerNorm(instruction, A(0), A(1), A(2));
            case ShapeRule.Reshape:
                return Reshape(instruction, A(0), Elements(instruction.Operands[1]));
            case ShapeRule.Slice:
                return Slice(instruction, A(0), Integer(instruction.Operands[1]), Integer(instruction.Operands[2]), Length(instruction.Operands[3]));
            case ShapeRule.TransposeAxes:
                return TransposeAxes(A(0), Integer(instruction.Operands[1]), Integer(instruction.Operands[2]));
            case ShapeRule.Permute:
                return Permute(A(0), Elements(instruction.Operands[1]));
            case ShapeRule.Embedding:
                return A(0) is { Length: 2 } table && Elements(instruction.Operands[2]) is { } ids ? (ids.Length == 0 ? new[] { Dim.Unknown } : ids).Append(table[1]).ToArray() : null;
            default:
                return null;
        }
    }

    /// <summary>
    /// A call of a method that declares shapes: its symbols are matched against the arguments (int arguments first, then
    /// tensors in order, a symbol taking the first length it meets), each argument certainly of another shape than its
    /// parameter declares is a contradiction, and the declared result shape, its symbols replaced, is the call's.
    /// </summary>
    private Dim[]? Call(Instruction instruction, CallShapes call)
    {
        var symbols = new Dictionary<string, Dim>();
        for (var k = 0; k < instruction.Operands.Count && k < call.Lengths.Count; k++)
        {
            if (call.Lengths[k] is { } symbol) symbols[symbol] = Length(instruction.Operands[k]);
        }
        Dim Substitute(Dim dim) => dim.Symbol is { } s ? (symbols.TryGetValue(s, out var value) ? Dim.Times(Dim.Literal(dim.Factor), value) : Dim.Unknown) : dim;
        var callee = instruction.Callee!.Name;
        for (var k = 0; k < instruction.Operands.Count && k < call.Parameters.Count; k++)
        {
            if (call.Parameters[k] is not { } declared || _shapes[instruction.Operands[k]] is not { } argument) continue;
            if (argument.Length != declared.Length)
            {
                Problem(instruction, "the call of " + callee + " passes a " + Show(argument) + " tensor where " + callee + " declares " + Show(declared));
                return null;
            }
            for (var d = 0; d < declared.Length; d++)
            {
                var expected = Substitute(declared[d]);
                if (Dim.CertainlyDifferent(expected, argument[d]))
                {
                    Problem(instruction, "the call of " + callee + " passes a " + Show(argument) + " tensor where " + callee + " declares " + Show(declared) +
                                         " (axis " + d + ": " + argument[d] + ", but " + expected + ")");
                    return null;
                }
                if (declared[d].Symbol is { } s && declared[d].Factor == 1 && !symbols.ContainsKey(s)) symbols[s] = argument[d];
            }
        }
        return call.Result?.Select(Substitute).ToArray();
    }

    private void Problem(Instruction instruction, string message) => _problems.Add((instruction.Id, message));

    private static string Show(IReadOnlyList<Dim> shape) => Dim.Show(shape);

    /// <summary>numpy broadcasting, and System.Numerics.Tensors' operator: it takes the shape of the operand of higher rank (the right one at equal ranks).</summary>
    private Dim[]? Broadcast(Instruction instruction, Dim[]? a, Dim[]? b)
    {
        if (a is null || b is null) return null;
        if (BroadcastOf(a, b, out var x, out var y) is not { } result)
        {
            Problem(instruction, Verb(instruction) + " " + Show(a) + " and " + Show(b) + ": their axes " + x + " and " + y + " differ and neither is 1, so they do not broadcast");
            return null;
        }
        if (instruction.TensorOperator)
        {
            // The operator's own result shape (always of the broadcast's rank): where it certainly differs from the broadcast,
            // the user's forward computes another function.
            var operatorShape = a.Length > b.Length ? a : b;
            if (operatorShape.Zip(result, (o, r) => (o, r)).Any(p => Dim.CertainlyDifferent(p.o, p.r) && (p.r.NotOne || p.o.NotOne)))
            {
                var method = instruction.Op.ToString();
                Problem(instruction, "System.Numerics.Tensors' operator computes " + Show(a) + " " + Symbol(instruction.Op) + " " + Show(b) + " as a " + Show(operatorShape) +
                                     " tensor, not the broadcast " + Show(result) + " (it takes the shape of the operand of higher rank, or of the right one at equal ranks); write Ops." + method + "(a, b), or reshape an operand so the shapes agree");
                return null;
            }
        }
        return result;
    }

    /// <summary>
    /// numpy broadcasting of two shapes, aligned at the end (a missing axis is 1): the broadcast shape, or null with the two
    /// axes that certainly do not broadcast (different, and neither can be 1). Where an axis is not certain, a literal wins.
    /// </summary>
    private static Dim[]? BroadcastOf(Dim[] a, Dim[] b, out Dim left, out Dim right)
    {
        var rank = Math.Max(a.Length, b.Length);
        var result = new Dim[rank];
        for (var d = 0; d < rank; d++)
        {
            left = d - (rank - a.Length) is var i && i >= 0 ? a[i] : Dim.Literal(1);
            right = d - (rank - b.Length) is var j && j >= 0 ? b[j] : Dim.Literal(1);
            if (left.NotOne && right.NotOne && Dim.CertainlyDifferent(left, right)) return null;
            result[d] = left.IsOne ? right : right.IsOne ? left : Dim.CertainlyEqual(left, right) || left.IsLiteral ? left : right.IsLiteral ? right : Dim.Unknown;
        }
        (left, right) = (Dim.Unknown, Dim.Unknown);
        return result;
    }

    private static string Symbol(OpKind op) => op switch { OpKind.Add => "+", OpKind.Subtract => "-", OpKind.Multiply => "*", OpKind.Divide => "/", _ => op.ToString() };

    private static string Verb(Instruction instruction) => instruction.Op switch
    {
        OpKind.Add => "adding",
        OpKind.Subtract => "subtracting",
        OpKind.Multiply => "multiplying element-wise",
        OpKind.Divide => "dividing element-wise",
        _ => instruction.Op + " of",
    };

    private Dim[]? MatMul(Instruction instruction, Dim[]? a, Dim[]? b)
    {
        if (a is null || b is null) return null;
        if (a.Length < 2 || b.Length < 2)
        {
            Problem(instruction, "MatMul of " + Show(a) + " and " + Show(b) + ": both operands need rank 2 or more");
            return null;
        }
        var (k1, k2) = (a[a.Length - 1], b[b.Length - 2]);
        if (Dim.CertainlyDifferent(k1, k2))
        {
            var transposed = Dim.CertainlyEqual(k1, b[b.Length - 1]);
            Problem(instruction, "MatMul of " + Show(a) + " and " + Show(b) + ": the inner dimensions " + k1 + " and " + k2 + " differ" +
                                 (transposed ? " (the weight looks stored transposed: write MatMul(x, Transpose(w)), or store it [" + k1 + ", " + b[b.Length - 2] + "])" : ""));
            return null;
        }
        if (BroadcastOf(a.Take(a.Length - 2).ToArray(), b.Take(b.Length - 2).ToArray(), out var x, out var y) is not { } batch)
        {
            Problem(instruction, "MatMul of " + Show(a) + " and " + Show(b) + ": the batch axes " + x + " and " + y + " do not broadcast");
            return null;
        }
        return batch.Append(a[a.Length - 2]).Append(b[b.Length - 1]).ToArray();
    }

    private static Dim[]? ReduceAxis(Dim[]? x, long? axis, bool? keepDims)
    {
        if (x is null || axis is not { } raw || keepDims is not { } keep) return null;
        var k = raw < 0 ? raw + x.Length : raw;
        if (k < 0 || k >= x.Length) return null; // the op says so at run time; not a shape rule of its own yet
        return keep ? x.Select((d, i) => i == k ? Dim.Literal(1) : d).ToArray() : x.Where((_, i) => i != k).ToArray();
    }

    private Dim[]? LayerNorm(Instruction instruction, Dim[]? x, Dim[]? weight, Dim[]? bias)
    {
        if (x is not { Length: > 0 }) return x;
        var channels = x[x.Length - 1];
        foreach (var (name, shape) in new[] { ("weight", weight), ("bias", bias) })
        {
            if (shape is null) continue;
            if (shape.Length != 1 || Dim.CertainlyDifferent(shape[0], channels))
            {
                Problem(instruction, "LayerNorm of " + Show(x) + " with a " + name + " shaped " + Show(shape) + ": the " + name + " must be [" + channels + "], the length of the last axis");
                return null;
            }
        }
        return x;
    }

    private Dim[]? Reshape(Instruction instruction, Dim[]? x, Dim[]? target)
    {
        if (target is null) return null;
        if (x is not null && x.All(d => d.IsLiteral) && target.All(d => d.IsLiteral))
        {
            var from = x.Aggregate(1L, (p, d) => p * d.Factor);
            var to = target.Aggregate(1L, (p, d) => p * d.Factor);
            if (target.Count(d => d.Factor == -1) == 1 && to != 0)
            {
                if (from % -to != 0)
                {
                    Problem(instruction, "Reshape of " + Show(x) + " (" + from + " elements) to " + Show(target) + ": " + from + " is not a multiple of " + (-to));
                    return null;
                }
                return target.Select(d => d.Factor == -1 ? Dim.Literal(from / -to) : d).ToArray();
            }
            if (from != to)
            {
                Problem(instruction, "Reshape of " + Show(x) + " (" + from + " elements) to " + Show(target) + " (" + to + " elements)");
                return null;
            }
        }
        return target.Select(d => d.IsLiteral && d.Factor < 0 ? Dim.Unknown : d).ToArray();
    }

    private Dim[]? Slice(Instruction instruction, Dim[]? x, long? axis, long? start, Dim length)
    {
        if (x is null || axis is not { } raw) return null;
        var k = raw < 0 ? raw + x.Length : raw;
        if (k < 0 || k >= x.Length) return null;
        var extent = x[k];
        if (start is { } s && length.IsLiteral && extent.IsLiteral && (s < 0 || s + length.Factor > extent.Factor))
        {
            Problem(instruction, "Slice of " + Show(x) + " along axis " + raw + ": [" + s + ", " + (s + length.Factor) + ") is outside [0, " + extent + ")");
            return null;
        }
        return x.Select((d, i) => i == k ? length : d).ToArray();
    }

    private static Dim[]? TransposeAxes(Dim[]? x, long? first, long? second)
    {
        if (x is null || first is not { } i || second is not { } j) return null;
        if (i < 0) i += x.Length;
        if (j < 0) j += x.Length;
        if (i < 0 || j < 0 || i >= x.Length || j >= x.Length) return null;
        var result = x.ToArray();
        (result[i], result[j]) = (result[j], result[i]);
        return result;
    }

    private static Dim[]? Permute(Dim[]? x, Dim[]? permutation)
    {
        if (x is null || permutation is null || permutation.Length != x.Length || !permutation.All(d => d.IsLiteral && d.Factor >= 0 && d.Factor < x.Length)) return null;
        return permutation.Select(p => x[p.Factor]).ToArray();
    }

    // ── passive values as dimensions ──────────────────────────────────────────────────────────

    /// <summary>An int value as a dimension: a literal, an int parameter (a symbol), a literal times either, a tensor's length along a literal axis.</summary>
    private Dim Length(int id)
    {
        var instruction = _instructions[id];
        switch (instruction.Op)
        {
            case OpKind.Constant when long.TryParse(instruction.Constant, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var literal):
                return Dim.Literal(literal);
            case OpKind.Parameter when instruction.Type.Kind == ValueKind.Passive && instruction.Type.TypeName is "int" or "long":
                return Dim.Of(instruction.Name.TrimStart('@'));
            case OpKind.Passive when instruction.Template is "{0} * {1}":
                return Dim.Times(Length(instruction.Operands[0]), Length(instruction.Operands[1]));
            case OpKind.Passive when instruction.Template is "(int){0}" or "(long){0}" or "(nint){0}":
                return Length(instruction.Operands[0]);
            case OpKind.Passive when instruction.Template == "{0}.Lengths[{1}]" && _shapes[instruction.Operands[0]] is { } shape && Integer(instruction.Operands[1]) is { } axis:
                return axis >= 0 && axis < shape.Length ? shape[axis] : Dim.Unknown;
            default:
                return Dim.Unknown;
        }
    }

    private long? Integer(int id) => Length(id) is { IsLiteral: true } d ? d.Factor : null;

    private bool? Boolean(int id) => _instructions[id] is { Op: OpKind.Constant } c ? c.Constant switch { "true" => true, "false" => false, _ => null } : null;

    /// <summary>The elements of an int array written in place (<c>new[] { B, T, C }</c> or a params array), as dimensions.</summary>
    private Dim[]? Elements(int id)
    {
        var instruction = _instructions[id];
        if (instruction.Op != OpKind.Passive || instruction.Template is not { } template) return null;
        var expected = string.Join(", ", Enumerable.Range(0, instruction.Operands.Count).Select(k => "{" + k.ToString(CultureInfo.InvariantCulture) + "}"));
        var isArray = template.EndsWith("(" + expected + ")", StringComparison.Ordinal) && template.StartsWith("global::GradGen.Workspace.Elements<", StringComparison.Ordinal)
                      || template.EndsWith("[] { " + expected + " }", StringComparison.Ordinal) && template.StartsWith("new ", StringComparison.Ordinal);
        return isArray ? instruction.Operands.Select(Length).ToArray() : null;
    }
}

/// <summary>What a called method declares with <c>[Shape]</c>: per call operand, the parameter's shape (null when none) and, for an int parameter, its symbol; and the result's shape.</summary>
internal sealed record CallShapes(IReadOnlyList<Dim[]?> Parameters, IReadOnlyList<string?> Lengths, Dim[]? Result);
