using System.Collections.Generic;
using System.Linq;
using GradGen.Generators.Diagnostics;
using GradGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace GradGen.Generators.Lowering;

/// <summary>
/// Lower, the loops: <c>for (int i = lo; i &lt; hi; i++)</c> and <c>foreach</c> over an array become a structured
/// <see cref="OpKind.For"/> region whose carried values are the outer locals the body assigns.
/// </summary>
internal sealed partial class Lowerer
{
    private void LowerFor(IForLoopOperation loop, int depth)
    {
        if (!CountedLoop(loop, out var index, out var lo, out var hi))
        {
            Reject(RejectionKind.UnsupportedConstruct, loop.Syntax, RejectionText.LoopForm);
            return;
        }
        if (Writes(loop.Body).Contains(index))
        {
            Reject(RejectionKind.UnsupportedConstruct, loop.Syntax, RejectionText.LoopIndexAssigned(index.Name));
            return;
        }
        var loId = Expression(lo, 0);
        var hiId = Expression(hi, 0);
        if (!CheckBound(loId, lo) || !CheckBound(hiId, hi)) return;
        LowerLoop(loop.Body, loop.Syntax, index, loId, hiId, element: null, depth);
    }

    private void LowerForEach(IForEachLoopOperation loop, int depth)
    {
        var collection = loop.Collection is IConversionOperation { Conversion.IsImplicit: true } conversion ? conversion.Operand : loop.Collection;
        if (collection.Type is not IArrayTypeSymbol { Rank: 1 } || loop.LoopControlVariable is not IVariableDeclaratorOperation { Symbol: { } variable })
        {
            Reject(RejectionKind.UnsupportedConstruct, loop.Syntax, RejectionText.ForEachForm);
            return;
        }
        var array = Expression(collection, 0);
        if (array < 0) return;
        var zero = Add(new Builder { Op = OpKind.Constant, Type = PassiveInt, Constant = "0", Name = "0" });
        var length = Add(new Builder { Op = OpKind.Passive, Operands = new[] { array }, Type = PassiveInt, Template = "{0}.Length" });
        LowerLoop(loop.Body, loop.Syntax, index: null, zero, length, element: (variable, array), depth);
    }

    private static readonly IrType PassiveInt = new(ValueKind.Passive, ElementType.Double, "int");

    /// <summary>
    /// The region of a loop: its index, one carried value per outer local the body assigns, the body, and a yield of the
    /// carried values; after it, the locals take the loop's results.
    /// </summary>
    private void LowerLoop(IOperation body, SyntaxNode syntax, ILocalSymbol? index, int lo, int hi, (ILocalSymbol Variable, int Array)? element, int depth)
    {
        var carried = Writes(body).Where(local => _locals.ContainsKey(local)).ToList();
        foreach (var local in carried)
        {
            if (_instructions[_locals[local]].Type.Kind == ValueKind.Container)
            {
                Reject(RejectionKind.UnsupportedConstruct, syntax, RejectionText.ContainerCarried(local.Name));
                return;
            }
        }
        var operands = new List<int> { lo, hi };
        operands.AddRange(carried.Select(local => _locals[local]));
        var loop = Add(new Builder { Op = OpKind.For, Operands = operands.ToArray(), Type = PassiveInt });
        var outer = _region;
        _region = loop;
        var indexId = Add(new Builder { Op = OpKind.LoopIndex, Type = PassiveInt });
        if (index is not null) Bind(index, indexId);
        else _instructions[indexId].Name = FreshIndexName();
        for (var k = 0; k < carried.Count; k++)
        {
            var initial = _instructions[_locals[carried[k]]];
            Bind(carried[k], Add(new Builder { Op = OpKind.Carried, Type = initial.Type, Index = k }));
        }
        if (element is { } e)
        {
            var type = _instructions[e.Array].Type;
            // Not the `var` local's maybe-null annotation: the element is the array's (a generated call on it must not warn).
            var elementType = Symbols.Classify(e.Variable.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated));
            Bind(e.Variable, Add(new Builder { Op = type.Kind == ValueKind.Container ? OpKind.Element : OpKind.Passive, Operands = new[] { e.Array, indexId }, Type = elementType, Template = "{0}[{1}]" }));
        }

        LowerStatement(body, depth + 1);
        if (carried.Any(local => _locals[local] < 0)) return; // a rejection was reported inside the body
        Add(new Builder { Op = OpKind.Yield, Operands = carried.Select(local => _locals[local]).ToArray(), Type = PassiveInt, Name = "" });
        _region = outer;
        for (var k = 0; k < carried.Count; k++)
        {
            var type = _instructions[_locals[carried[k]]].Type;
            Bind(carried[k], Add(new Builder { Op = OpKind.LoopResult, Operands = new[] { loop }, Type = type, Index = k }));
        }
    }

    /// <summary>Recognises <c>for (int i = lo; i &lt; hi; i++)</c> (also <c>++i</c>, <c>i += 1</c>).</summary>
    private static bool CountedLoop(IForLoopOperation loop, out ILocalSymbol index, out IOperation lo, out IOperation hi)
    {
        index = null!;
        lo = null!;
        hi = null!;
        if (loop.Before.Length != 1 || loop.Before[0] is not IVariableDeclarationGroupOperation { Declarations.Length: 1 } group
            || group.Declarations[0] is not { Declarators.Length: 1 } declaration || declaration.Declarators[0] is not { Symbol: { } variable } declarator) return false;
        if ((declarator.Initializer?.Value ?? declaration.Initializer?.Value) is not { } initial || variable.Type.SpecialType != SpecialType.System_Int32) return false;
        if (loop.Condition is not IBinaryOperation { OperatorKind: BinaryOperatorKind.LessThan, LeftOperand: ILocalReferenceOperation left } condition
            || !SymbolEqualityComparer.Default.Equals(left.Local, variable)) return false;
        var step = loop.AtLoopBottom.Length == 1 && loop.AtLoopBottom[0] is IExpressionStatementOperation { Operation: var operation } ? operation : null;
        var increments = step switch
        {
            IIncrementOrDecrementOperation { Kind: OperationKind.Increment, Target: ILocalReferenceOperation target } => SymbolEqualityComparer.Default.Equals(target.Local, variable),
            ICompoundAssignmentOperation { OperatorKind: BinaryOperatorKind.Add, Target: ILocalReferenceOperation target, Value.ConstantValue: { HasValue: true, Value: 1 } } => SymbolEqualityComparer.Default.Equals(target.Local, variable),
            _ => false,
        };
        if (!increments) return false;
        index = variable;
        lo = initial;
        hi = condition.RightOperand;
        return true;
    }

    /// <summary>A loop bound must be an integer computed before the loop, not a differentiated value.</summary>
    private bool CheckBound(int id, IOperation bound)
    {
        if (id < 0) return false;
        if (_instructions[id].Type.Kind == ValueKind.Passive) return true;
        Reject(RejectionKind.NonDifferentiableOperation, bound.Syntax, RejectionText.DifferentiatedLoopBound(bound.Syntax));
        return false;
    }

    /// <summary>The locals an operation assigns (simple, compound, increments), in order of first appearance.</summary>
    private static List<ILocalSymbol> Writes(IOperation operation)
    {
        var written = new List<ILocalSymbol>();
        var stack = new Stack<IOperation>();
        stack.Push(operation);
        while (stack.Count > 0)
        {
            var current = stack.Pop();
            var target = current switch
            {
                IAssignmentOperation assignment => assignment.Target,
                IIncrementOrDecrementOperation increment => increment.Target,
                _ => null,
            };
            if (target is ILocalReferenceOperation local && !written.Contains(local.Local, SymbolEqualityComparer.Default)) written.Add(local.Local);
            foreach (var child in current.ChildOperations.Reverse()) stack.Push(child);
        }
        return written;
    }

    private string FreshIndexName()
    {
        foreach (var candidate in new[] { "i", "j", "k", "n" })
        {
            if (!_reserved.Contains(candidate) && !_instructions.Any(b => b.Name == candidate))
            {
                _reserved.Add(candidate);
                return candidate;
            }
        }
        for (var i = 0; ; i++)
        {
            var candidate = "i" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!_reserved.Contains(candidate) && !_instructions.Any(b => b.Name == candidate))
            {
                _reserved.Add(candidate);
                return candidate;
            }
        }
    }
}
