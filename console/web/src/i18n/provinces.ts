// Province names for the party ids the API uses ("prov:510000"), zh and en (GB/T 2260 codes).

const names: Readonly<Record<string, readonly [string, string]>> = {
  "110000": ["北京", "Beijing"],
  "120000": ["天津", "Tianjin"],
  "130000": ["河北", "Hebei"],
  "140000": ["山西", "Shanxi"],
  "150000": ["内蒙古", "Inner Mongolia"],
  "210000": ["辽宁", "Liaoning"],
  "220000": ["吉林", "Jilin"],
  "230000": ["黑龙江", "Heilongjiang"],
  "310000": ["上海", "Shanghai"],
  "320000": ["江苏", "Jiangsu"],
  "330000": ["浙江", "Zhejiang"],
  "340000": ["安徽", "Anhui"],
  "350000": ["福建", "Fujian"],
  "360000": ["江西", "Jiangxi"],
  "370000": ["山东", "Shandong"],
  "410000": ["河南", "Henan"],
  "420000": ["湖北", "Hubei"],
  "430000": ["湖南", "Hunan"],
  "440000": ["广东", "Guangdong"],
  "450000": ["广西", "Guangxi"],
  "460000": ["海南", "Hainan"],
  "500000": ["重庆", "Chongqing"],
  "510000": ["四川", "Sichuan"],
  "520000": ["贵州", "Guizhou"],
  "530000": ["云南", "Yunnan"],
  "540000": ["西藏", "Tibet"],
  "610000": ["陕西", "Shaanxi"],
  "620000": ["甘肃", "Gansu"],
  "630000": ["青海", "Qinghai"],
  "640000": ["宁夏", "Ningxia"],
  "650000": ["新疆", "Xinjiang"],
  "660000": ["新疆生产建设兵团", "XPCC"],
};

/** "prov:510000" → "四川" / "Sichuan"; anything else as given. */
export function provinceName(party: string, lang: "zh-CN" | "en"): string {
  const code = /^prov:(\d{6})$/.exec(party)?.[1];
  const pair = code === undefined ? undefined : names[code];
  if (pair === undefined) return party;
  return lang === "zh-CN" ? pair[0] : pair[1];
}
