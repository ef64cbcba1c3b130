using System.Globalization;
using System.Linq;
using GradGen.Generators.Diagnostics;
using GradGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace GradGen.Generators.Lowering;

/// <summary>
/// Lower, the values that are not differentiated: integer and boolean constants and arithmetic, comparisons of them,
/// array lengths and tensor shapes, elements of arrays. Each is a <see cref="OpKind.Passive"/> instruction whose C#
/// expression the forward sweep prints as written.
/// </summary>
internal sealed partial class Lowerer
{
    /// <summary>True when the operation is a passive value this lowers (and it has lowered it into <paramref name="id"/>).</summary>
    private bool TryPassive(IOperation operation, int depth, out int id)
    {
        id = -1;
        var type = Symbols.Classify(operation.Type);
        if (type.Kind != ValueKind.Passive) return false;
        if (operation.ConstantValue is { HasValue: true } constant && operation.Type is not null)
        {
            // Literals and constants of any type (a string, an enum member, null), typed so they mean the same in the generated file.
            var text = constant.Value is null ? "default(" + type.TypeName + ")"
                : operation.Type.SpecialType is SpecialType.System_Int32 or SpecialType.System_Boolean ? SymbolDisplay.FormatPrimitive(constant.Value, quoteStrings: true, useHexadecimalNumbers: false)
                : "((" + type.TypeName + ")(" + SymbolDisplay.FormatPrimitive(constant.Value, quoteStrings: true, useHexadecimalNumbers: false) + (constant.Value is decimal ? "m" : "") + "))";
            id = Add(new Builder { Op = OpKind.Constant, Type = type, Constant = text, Name = text });
            return true;
        }
        switch (operation)
        {
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd or BinaryOperatorKind.ConditionalOr, OperatorMethod: null } logical when IsPassive(logical.LeftOperand) && IsPassive(logical.RightOperand) && !IsLeaf(logical.RightOperand):
                id = ShortCircuit(logical, type, depth);
                return true;
            case IBinaryOperation { OperatorMethod: null, Syntax: BinaryExpressionSyntax syntax } binary when IsPassive(binary.LeftOperand) && IsPassive(binary.RightOperand):
                id = PassiveOf(binary.Syntax, type, Checked(binary.IsChecked, "{0} " + syntax.OperatorToken.Text + " {1}"), Expression(binary.LeftOperand, depth + 1), Expression(binary.RightOperand, depth + 1));
                return true;
            case IBinaryOperation { OperatorMethod: null, Syntax: BinaryExpressionSyntax syntax } comparison when IsComparison(comparison.OperatorKind) && IsScalarOrPassive(comparison.LeftOperand) && IsScalarOrPassive(comparison.RightOperand):
                // A comparison of differentiated scalars is a passive boolean: a branch condition (the gradient flows through the branch taken).
                var left = Expression(comparison.LeftOperand, depth + 1);
                var right = Expression(comparison.RightOperand, depth + 1);
                id = left < 0 || right < 0 ? -1 : Add(new Builder { Op = OpKind.Passive, Operands = new[] { left, right }, Type = type, Template = "{0} " + syntax.OperatorToken.Text + " {1}" });
                return true;
            case IUnaryOperation { OperatorMethod: null, Syntax: PrefixUnaryExpressionSyntax prefix } unary when IsPassive(unary.Operand):
                id = PassiveOf(unary.Syntax, type, Checked(unary.IsChecked, prefix.OperatorToken.Text + "{0}"), Expression(unary.Operand, depth + 1));
                return true;
            case IConversionOperation { OperatorMethod: null } conversion when IsPassive(conversion.Operand)
                && conversion.GetConversion() is { IsIdentity: true } or { IsNumeric: true } or { IsEnumeration: true } or { IsNullable: true } or { IsBoxing: true } or { IsReference: true, IsImplicit: true }:
                id = PassiveOf(conversion.Syntax, type, Checked(conversion.IsChecked, "(" + type.TypeName + "){0}"), Expression(conversion.Operand, depth + 1));
                return true;
            case IPropertyReferenceOperation { Property.Name: "Length", Instance: { Type: IArrayTypeSymbol } array }:
                id = PassiveOf(operation.Syntax, type, "{0}.Length", Expression(array, depth + 1));
                return true;
            case IPropertyReferenceOperation { Property.Name: "Count", Instance: { } list } when Symbols.ListElement(list.Type) is not null:
                id = PassiveOf(operation.Syntax, type, "{0}.Count", Expression(list, depth + 1));
                return true;
            case IPropertyReferenceOperation { Property.Name: "Rank" or "FlattenedLength", Instance: { } tensor } property when IsTensor(tensor):
                id = PassiveOf(operation.Syntax, type, "{0}." + property.Property.Name, Expression(tensor, depth + 1));
                return true;
            case IPropertyReferenceOperation { Property.IsIndexer: true, Instance: IPropertyReferenceOperation { Property.Name: "Lengths", Instance: { } tensor }, Arguments.Length: 1 } lengths when IsTensor(tensor):
                id = PassiveOf(operation.Syntax, type, "{0}.Lengths[{1}]", Expression(tensor, depth + 1), Expression(lengths.Arguments[0].Value, depth + 1));
                return true;
            case IImplicitIndexerReferenceOperation { Instance: IPropertyReferenceOperation { Property.Name: "Lengths", Instance: { } tensor }, Argument: IUnaryOperation { OperatorKind: UnaryOperatorKind.Hat } fromEnd } when IsTensor(tensor):
                // q.Lengths[^1]: the last axis's length.
                id = PassiveOf(operation.Syntax, type, "{0}.Lengths[^{1}]", Expression(tensor, depth + 1), Expression(fromEnd.Operand, depth + 1));
                return true;
            case IPropertyReferenceOperation { Instance: null, Property.IsIndexer: false } property:
                id = StaticMember(operation, property.Property);
                return true;
            case IFieldReferenceOperation { Instance: null } field:
                id = StaticMember(operation, field.Field);
                return true;
            case IArrayElementReferenceOperation { Indices.Length: 1 } element:
                id = PassiveOf(operation.Syntax, type, "{0}[{1}]", Expression(element.ArrayReference, depth + 1), Expression(element.Indices[0], depth + 1));
                return true;
            case IArrayCreationOperation { Initializer: { } initializer, DimensionSizes.Length: 1, Type: IArrayTypeSymbol { ElementType: var elementType } } when IsPlainValueType(elementType):
            {
                // A params array of integers (Ops.Reshape(x, b, t, c)) or an explicit `new[] { … }`.
                var operands = initializer.ElementValues.Select(e => Expression(e, depth + 1)).ToArray();
                var elements = string.Join(", ", operands.Select((_, k) => "{" + k.ToString(CultureInfo.InvariantCulture) + "}"));
                // A params array only lives for the call it is passed to: it comes from the workspace of an accumulate
                // form's step (allocated as usual outside one). An array the user wrote may be kept: it is a new array.
                var template = operation.IsImplicit && operands.Length is > 0 and <= Naming.MaxWorkspaceElements
                    ? "global::GradGen.Workspace.Elements<" + elementType.ToDisplayString() + ">(" + elements + ")"
                    : "new " + elementType.ToDisplayString() + "[] { " + elements + " }";
                id = PassiveOf(operation.Syntax, type, template, operands);
                return true;
            }
            default:
                return false;
        }
    }

    /// <summary>
    /// <c>a &amp;&amp; b</c> as <c>a ? b : false</c>, <c>a || b</c> as <c>a ? true : b</c>: C# evaluates the right operand only
    /// when the left does not decide, and it may throw otherwise (<c>ids.Length &gt; 0 &amp;&amp; ids[0] &gt; 2</c>), so it is
    /// lowered inside a branch region rather than as a statement of its own before the operator.
    /// </summary>
    private int ShortCircuit(IBinaryOperation logical, IrType type, int depth)
    {
        var left = Expression(logical.LeftOperand, depth + 1);
        if (left < 0) return -1;
        var isAnd = logical.OperatorKind == BinaryOperatorKind.ConditionalAnd;
        int Decided() => Add(new Builder { Op = OpKind.Constant, Type = type, Constant = isAnd ? "false" : "true", Name = isAnd ? "false" : "true" });
        int Right() => Expression(logical.RightOperand, depth + 1);
        var results = Branch(left, logical.Syntax,
            () => new[] { isAnd ? Right() : Decided() },
            () => new[] { isAnd ? Decided() : Right() },
            new[] { type });
        return results?[0] ?? -1;
    }

    /// <summary>An operand that reads a value and cannot throw: a literal, constant, parameter or local.</summary>
    private static bool IsLeaf(IOperation operation) => operation.ConstantValue.HasValue
        || operation is IParameterReferenceOperation or ILocalReferenceOperation
        || operation is IParenthesizedOperation { Operand: var inner } && IsLeaf(inner);

    private static string Checked(bool isChecked, string template) => isChecked ? "checked(" + template + ")" : template;

    private int PassiveOf(SyntaxNode syntax, IrType type, string template, params int[] operands)
    {
        foreach (var operand in operands)
        {
            if (operand < 0) return -1;
            if (template != "{0}.Rank" && template != "{0}.FlattenedLength" && template != "{0}.Lengths[{1}]" && template != "{0}.Lengths[^{1}]" && template != "{0}[{1}]" && template != "{0}.Length" && template != "{0}.Count"
                && _instructions[operand].Type.Kind != ValueKind.Passive)
            {
                Reject(RejectionKind.UnsupportedConstruct, syntax, RejectionText.PassiveExpression(syntax));
                return -1;
            }
        }
        return Add(new Builder { Op = OpKind.Passive, Operands = operands, Type = type, Template = template });
    }

    /// <summary>An element of an array of tensors (or of weight objects): its gradient is the same element of the array's gradient.</summary>
    private int ContainerElement(IArrayElementReferenceOperation element, int depth)
    {
        if (element.Indices.Length != 1)
        {
            Reject(RejectionKind.UnsupportedConstruct, element.Syntax, RejectionText.Describe(element));
            return -1;
        }
        return ContainerElement(element, element.ArrayReference, element.Indices[0], depth);
    }

    /// <summary>An element of an array or list of tensors (or of weight objects): <c>xs[i]</c>, <c>layers[i]</c>.</summary>
    private int ContainerElement(IOperation element, IOperation container, IOperation indexOperation, int depth)
    {
        var array = Expression(container, depth + 1);
        var index = Expression(indexOperation, depth + 1);
        if (array < 0 || index < 0) return -1;
        if (_instructions[array].Type.Kind != ValueKind.Container || _instructions[index].Type.Kind != ValueKind.Passive)
        {
            Reject(RejectionKind.UnsupportedConstruct, element.Syntax, RejectionText.Describe(element));
            return -1;
        }
        return Add(new Builder { Op = OpKind.Element, Operands = new[] { array, index }, Type = Symbols.Classify(element.Type) });
    }

    private static bool IsComparison(BinaryOperatorKind kind) => kind is BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals or BinaryOperatorKind.LessThan
        or BinaryOperatorKind.LessThanOrEqual or BinaryOperatorKind.GreaterThan or BinaryOperatorKind.GreaterThanOrEqual;

    private static bool IsScalarOrPassive(IOperation operation) => Symbols.Classify(operation.Type).Kind is ValueKind.Scalar or ValueKind.Passive;

    private static bool IsPassive(IOperation operation) => Symbols.Classify(operation.Type).Kind == ValueKind.Passive;

    private static bool IsTensor(IOperation operation) => Symbols.Classify(operation.Type).Kind == ValueKind.Tensor;

    /// <summary>Integers, booleans and the other built-in value types a passive expression may compute.</summary>
    private static bool IsPlainValueType(ITypeSymbol? type) => type?.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64 or SpecialType.System_Boolean
        or SpecialType.System_IntPtr or SpecialType.System_UInt32 or SpecialType.System_UInt64 or SpecialType.System_Int16 or SpecialType.System_Byte;
}
