using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using GradGen.Generators.Diagnostics;
using GradGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace GradGen.Generators.Lowering;

/// <summary>
/// Lower, the arrays of tensors a method builds: <c>new[] { q, k, v }</c> and the params array of
/// <c>Ops.Concat(axis, q, k, v)</c> (a <see cref="OpKind.Pack"/>), and <c>new Tensor&lt;T&gt;[n]</c> filled by
/// <c>heads[h] = …</c> (a <see cref="OpKind.NewArray"/> and its <see cref="OpKind.Store"/>s). Each element is written at
/// most once, so the gradient of an element is the gradient of the one value stored there.
/// </summary>
internal sealed partial class Lowerer
{
    /// <summary>Per <see cref="OpKind.NewArray"/>: its stores so far (the index value, and whether it is a loop's index).</summary>
    private readonly Dictionary<int, List<(int Index, bool LoopIndexed)>> _stores = new();

    /// <summary>An array of tensors created here: from its elements, or empty with a length. -1 after a rejection.</summary>
    private int TensorArray(IArrayCreationOperation creation, int depth)
    {
        var type = Symbols.Classify(creation.Type);
        var elementType = ((IArrayTypeSymbol)creation.Type!).ElementType;
        if (creation.DimensionSizes.Length != 1 || Symbols.Classify(elementType).Kind != ValueKind.Tensor)
        {
            Reject(RejectionKind.UnsupportedConstruct, creation.Syntax, RejectionText.Describe(creation));
            return -1;
        }
        var element = elementType.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(Symbols.Qualified);
        if (creation.Initializer is null)
        {
            var length = Expression(creation.DimensionSizes[0], depth + 1);
            if (length < 0) return -1;
            if (_instructions[length].Type.Kind != ValueKind.Passive)
            {
                Reject(RejectionKind.UnsupportedConstruct, creation.Syntax, RejectionText.PassiveExpression(creation.DimensionSizes[0].Syntax));
                return -1;
            }
            var array = Add(new Builder { Op = OpKind.NewArray, Operands = new[] { length }, Type = type, Template = "new " + element + "[{0}]" });
            _stores[array] = new List<(int, bool)>();
            return array;
        }
        var operands = creation.Initializer.ElementValues.Select(e => Expression(e, depth + 1)).ToArray();
        if (operands.Any(o => o < 0)) return -1;
        var elements = string.Join(", ", operands.Select((_, k) => "{" + k.ToString(CultureInfo.InvariantCulture) + "}"));
        // A params array lives only for the call it is passed to (and the tape): the workspace's, as for a params array of ints.
        var template = creation.IsImplicit && operands.Length is > 0 and <= Naming.MaxWorkspaceElements
            ? "global::GradGen.Workspace.Elements<" + element + ">(" + elements + ")"
            : "new " + element + "[] { " + elements + " }";
        return Add(new Builder { Op = OpKind.Pack, Operands = operands, Type = type, Template = template });
    }

    /// <summary>
    /// <c>array[index] = value</c> into an array of tensors this method created empty: a <see cref="OpKind.Store"/>, when the
    /// element is certainly written at most once — at distinct constant indices outside any loop, or, once, at the index of
    /// the one loop between the array and the store. True when it took the statement (rejected or not).
    /// </summary>
    private bool TryStore(ISimpleAssignmentOperation assignment)
    {
        if (assignment.Target is not IArrayElementReferenceOperation { ArrayReference: ILocalReferenceOperation local, Indices.Length: 1 } target
            || !_locals.TryGetValue(local.Local, out var array) || array < 0 || _instructions[array].Op != OpKind.NewArray) return false;
        var index = Expression(target.Indices[0], 0);
        var value = Expression(assignment.Value, 0);
        if (index < 0 || value < 0) return true;
        var stores = _stores[array];
        var loops = new List<int>();
        for (var region = _region; region != _instructions[array].Region && region >= 0; region = _instructions[region].Region)
        {
            if (_instructions[region].Op == OpKind.For) loops.Add(region);
        }
        var indexInstruction = _instructions[index];
        var loopIndexed = indexInstruction.Op == OpKind.LoopIndex && loops.Count == 1 && indexInstruction.Region == loops[0];
        var constant = indexInstruction.Op == OpKind.Constant && loops.Count == 0;
        var once = loopIndexed ? stores.Count == 0
            : constant && stores.All(s => !s.LoopIndexed && _instructions[s.Index].Constant != indexInstruction.Constant);
        if (!once)
        {
            Reject(RejectionKind.Mutation, assignment.Syntax, assignment.Syntax.ToString(), RejectionText.StoreNotOnce(local.Local.Name));
            return true;
        }
        stores.Add((index, loopIndexed));
        Add(new Builder { Op = OpKind.Store, Operands = new[] { array, index, value }, Type = _instructions[value].Type, Template = "{0}[{1}] = {2}" });
        return true;
    }
}
