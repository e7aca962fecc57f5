//! Converts wire filters into the directory's bounded internal form at the edge (STYLE 12):
//! depth and element counts are checked before anything evaluates the filter.

use ldap3_proto::proto::LdapFilter;
use orgdir_directory::filter::{Filter, FilterAttr, Rule, Substrings};

/// Why a filter was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    /// Nested deeper than allowed.
    #[error("filter is nested deeper than {0} levels")]
    TooDeep(usize),
    /// More elements than allowed.
    #[error("filter has more than {0} elements")]
    TooLarge(usize),
    /// An extensible match names neither an attribute nor a rule.
    #[error("extensible match needs a matching rule or an attribute")]
    EmptyExtensible,
}

/// Converts `f`, enforcing `max_depth` and `max_elements`.
pub fn convert(
    f: &LdapFilter,
    max_depth: usize,
    max_elements: usize,
) -> Result<Filter, FilterError> {
    let mut budget = max_elements;
    go(f, 1, max_depth, &mut budget, max_elements)
}

fn go(
    f: &LdapFilter,
    depth: usize,
    max_depth: usize,
    budget: &mut usize,
    max_elements: usize,
) -> Result<Filter, FilterError> {
    if depth > max_depth {
        return Err(FilterError::TooDeep(max_depth));
    }
    if *budget == 0 {
        return Err(FilterError::TooLarge(max_elements));
    }
    *budget -= 1;
    let attr = |a: &str| FilterAttr::resolve(a);
    Ok(match f {
        LdapFilter::And(fs) => Filter::And(
            fs.iter()
                .map(|f| go(f, depth + 1, max_depth, budget, max_elements))
                .collect::<Result<_, _>>()?,
        ),
        LdapFilter::Or(fs) => Filter::Or(
            fs.iter()
                .map(|f| go(f, depth + 1, max_depth, budget, max_elements))
                .collect::<Result<_, _>>()?,
        ),
        LdapFilter::Not(f) => {
            Filter::Not(Box::new(go(f, depth + 1, max_depth, budget, max_elements)?))
        }
        LdapFilter::Equality(a, v) => Filter::equality(attr(a), v.clone()),
        LdapFilter::Substring(a, s) => Filter::Substrings(
            attr(a),
            Substrings {
                initial: s.initial.clone(),
                any: s.any.clone(),
                final_: s.final_.clone(),
            },
        ),
        LdapFilter::GreaterOrEqual(a, v) => Filter::greater_or_equal(attr(a), v.clone()),
        LdapFilter::LessOrEqual(a, v) => Filter::less_or_equal(attr(a), v.clone()),
        LdapFilter::Present(a) => Filter::Present(attr(a)),
        LdapFilter::Approx(a, v) => Filter::approx(attr(a), v.clone()),
        LdapFilter::Extensible(m) => {
            if m.matching_rule.is_none() && m.type_.is_none() {
                return Err(FilterError::EmptyExtensible);
            }
            Filter::Extensible {
                rule: m.matching_rule.as_deref().map(Rule::resolve),
                attr: m.type_.as_deref().map(attr),
                value: m.match_value.clone(),
                dn_attributes: m.dn_attributes,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nest(n: usize) -> LdapFilter {
        let mut f = LdapFilter::Present("cn".into());
        for _ in 1..n {
            f = LdapFilter::Not(Box::new(f));
        }
        f
    }

    #[test]
    fn bounds() {
        assert!(convert(&nest(32), 32, 512).is_ok());
        assert_eq!(
            convert(&nest(33), 32, 512).err(),
            Some(FilterError::TooDeep(32))
        );
        let wide = LdapFilter::Or(vec![LdapFilter::Present("cn".into()); 600]);
        assert_eq!(
            convert(&wide, 32, 512).err(),
            Some(FilterError::TooLarge(512))
        );
    }

    #[test]
    fn user_password_is_unmatchable() {
        let f = convert(&LdapFilter::Present("userPassword".into()), 8, 8);
        assert_eq!(f, Ok(Filter::Present(FilterAttr::Unknown)));
    }
}
