//! The demo customers' contacts: Chinese names, titles and mobile numbers.

use kaidan_shared::contact::ContactInput;

use crate::seed::Gen;

const SURNAMES: [&str; 24] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋",
];

const GIVEN: [&str; 24] = [
    "伟", "芳", "娜", "敏", "静", "磊", "强", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超",
    "秀英", "霞", "平", "刚", "桂英", "建华", "晓东", "丽萍",
];

const TITLES: [&str; 8] = [
    "总经理",
    "采购经理",
    "财务总监",
    "技术负责人",
    "行政主管",
    "副总经理",
    "采购专员",
    "项目经理",
];

pub(super) fn mobile(g: &mut Gen) -> String {
    let prefix = g.pick(&[
        "138", "139", "136", "158", "159", "186", "187", "135", "150", "177",
    ]);
    format!("{prefix}{:08}", g.next() % 100_000_000)
}

/// One contact of a demo customer (the first is its primary contact).
pub(super) fn contact(g: &mut Gen, primary: bool) -> ContactInput {
    let person = format!("{}{}", g.pick(&SURNAMES), g.pick(&GIVEN));
    let title = g.pick(&TITLES).to_string();
    let m = mobile(g);
    ContactInput {
        wechat: Some(format!("wx_{}", &m[3..])),
        name: person,
        title: Some(title),
        phones: vec![m],
        email: None,
        is_primary: primary,
        notes: None,
        custom: Default::default(),
    }
}
