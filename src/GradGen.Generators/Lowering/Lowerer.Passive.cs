using GradGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Operations;

namespace GradGen.Generators.Lowering;

/// <summary>
/// Lower, passive values: an expression no gradient flows through (a literal, a constant, integer arithmetic on passive
/// parameters, a bool, an enum value, a string) is one <see cref="OpKind.Constant"/> instruction of a passive type whose
/// text is the expression, re-written with qualified types so it means the same in the generated file. It is a value like
/// any other: it binds to locals and flows into calls and ops at their passive positions.
/// </summary>
internal sealed partial class Lowerer
{
    /// <summary>The passive value of <paramref name="operation"/>, or -1 when it is not one (the caller then explains why it is unsupported).</summary>
    private int PassiveValue(IOperation operation)
    {
        var readsParameters = false;
        var text = PassiveText(operation, 0, ref readsParameters);
        if (text is null) return -1;
        return Add(new Builder { Op = OpKind.Constant, Type = Symbols.Classify(operation.Type), Constant = text, Name = text, ReadsParameters = readsParameters });
    }

    /// <summary>C# text computing a passive expression in the generated forward sweep, or null when it is not a passive expression GradGen can re-write.</summary>
    private string? PassiveText(IOperation operation, int depth, ref bool readsParameters)
    {
        if (depth > MaxDepth || operation.Type is null || Symbols.Classify(operation.Type).IsDifferentiable) return null;
        var type = operation.Type.ToDisplayString(Symbols.Qualified);
        if (operation.ConstantValue is { HasValue: true } constant)
        {
            return constant.Value is null
                ? "default(" + type + ")"
                : "((" + type + ")(" + SymbolDisplay.FormatPrimitive(constant.Value, quoteStrings: true, useHexadecimalNumbers: false) + Suffix(constant.Value) + "))";
        }
        switch (operation)
        {
            case IParameterReferenceOperation parameter when SymbolEqualityComparer.Default.Equals(parameter.Parameter.ContainingSymbol, _method) && parameter.Parameter.RefKind == RefKind.None:
                readsParameters = true;
                return _instructions[_parameters[parameter.Parameter.Ordinal]].Name;
            case ILocalReferenceOperation local when _locals.TryGetValue(local.Local, out var id) && _instructions[id] is { Op: OpKind.Constant or OpKind.Parameter, Type.IsDifferentiable: false } bound:
                readsParameters |= bound.Op == OpKind.Parameter || bound.ReadsParameters;
                return bound.Name;
            case IParenthesizedOperation parenthesized:
                return PassiveText(parenthesized.Operand, depth + 1, ref readsParameters);
            case IConversionOperation { OperatorMethod: null } conversion
                when conversion.GetConversion() is { IsIdentity: true } or { IsNumeric: true } or { IsEnumeration: true } or { IsNullable: true } or { IsBoxing: true } or { IsReference: true, IsImplicit: true }:
                return PassiveText(conversion.Operand, depth + 1, ref readsParameters) is { } operand ? Checked(conversion.IsChecked, "((" + type + ")" + operand + ")") : null;
            case IUnaryOperation { OperatorMethod: null } unary when UnaryToken(unary.OperatorKind) is { } token:
                return PassiveText(unary.Operand, depth + 1, ref readsParameters) is { } value ? Checked(unary.IsChecked, "(" + token + value + ")") : null;
            case IBinaryOperation { OperatorMethod: null } binary when BinaryToken(binary.OperatorKind) is { } token:
                var left = PassiveText(binary.LeftOperand, depth + 1, ref readsParameters);
                var right = left is null ? null : PassiveText(binary.RightOperand, depth + 1, ref readsParameters);
                return right is null ? null : Checked(binary.IsChecked, "(" + left + " " + token + " " + right + ")");
            default:
                return null;
        }
    }

    private static string Checked(bool isChecked, string text) => isChecked ? "checked" + text : text;

    private static string Suffix(object value) => value is decimal ? "m" : "";

    private static string? UnaryToken(UnaryOperatorKind kind) => kind switch
    {
        UnaryOperatorKind.Plus => "+",
        UnaryOperatorKind.Minus => "-",
        UnaryOperatorKind.BitwiseNegation => "~",
        UnaryOperatorKind.Not => "!",
        _ => null,
    };

    private static string? BinaryToken(BinaryOperatorKind kind) => kind switch
    {
        BinaryOperatorKind.Add => "+",
        BinaryOperatorKind.Subtract => "-",
        BinaryOperatorKind.Multiply => "*",
        BinaryOperatorKind.Divide => "/",
        BinaryOperatorKind.Remainder => "%",
        BinaryOperatorKind.LeftShift => "<<",
        BinaryOperatorKind.RightShift => ">>",
        BinaryOperatorKind.And => "&",
        BinaryOperatorKind.Or => "|",
        BinaryOperatorKind.ExclusiveOr => "^",
        BinaryOperatorKind.ConditionalAnd => "&&",
        BinaryOperatorKind.ConditionalOr => "||",
        BinaryOperatorKind.Equals => "==",
        BinaryOperatorKind.NotEquals => "!=",
        BinaryOperatorKind.LessThan => "<",
        BinaryOperatorKind.LessThanOrEqual => "<=",
        BinaryOperatorKind.GreaterThan => ">",
        BinaryOperatorKind.GreaterThanOrEqual => ">=",
        _ => null,
    };
}
