//! The org module's words (regions and teams on the admin screen).

use super::texts;

texts! {
    OrgText;
    Regions => "区域", "Regions";
    Teams => "团队", "Teams";
    Supervisor => "主管", "Supervisor";
}
